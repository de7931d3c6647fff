/**
 * What every device link (BLE, UART, in-memory twin) shares: its address in the gateway's
 * routes, its counters, and a bounded downlink queue that outlives connections, so a device
 * that drops off the radio for a moment finds its messages waiting (up to the bound).
 *
 * Subclasses carry bytes; this class decides nothing about routing. Messages a device sends
 * go to the LinkSink (the gateway's ingress), which may also say "congested": a link that can
 * hold a device off (UART stop-and-wait) then does, one that cannot (BLE notifications) lets
 * the ingress drop and count.
 */
import { EventEmitter } from 'node:events';
import { formatAddress, type Address } from '../protocol/routing/address.ts';
import type { Logger } from '../transport-node/log.ts';
import { countDrop, type DeviceCounters, type DropReason, newDeviceCounters } from './counters.ts';
import { FairQueue } from './fair-queue.ts';

// Our limits.
/** Messages held for one device while it is away or busy: a few handshake and command
 *  messages; the cloud's delivery layer re-sends anything beyond. */
export const DEFAULT_MAX_DOWNLINK = 32;
/** Bytes held for one device: the message bound times ~5 largest messages. */
export const DEFAULT_MAX_DOWNLINK_BYTES = 32 * 1024;

/** At most one drop line per reason and device in this interval. */
const DROP_LOG_INTERVAL_MS = 1000;

export type LinkKind = 'ble' | 'uart' | 'memory';

/** Where a link hands what its device sent. */
export interface LinkSink {
  fromDevice(link: DeviceLink, message: Uint8Array): void;
  /** True while this device's upstream share is full (a link that can, holds the device off). */
  congested(link: DeviceLink): boolean;
}

export interface DeviceLinkOptions {
  readonly sink: LinkSink;
  readonly log: Logger;
  readonly maxDownlink?: number;
  readonly maxDownlinkBytes?: number;
}

export interface LinkStatus {
  readonly address: string;
  readonly kind: LinkKind;
  readonly up: boolean;
  readonly downlinkQueued: number;
  readonly counters: DeviceCounters;
  /** Frames the link layer refused (bad CRC, fragment gaps…), by reason. */
  readonly linkDrops: Record<string, number>;
  readonly detail: Record<string, string | number>;
}

/** Events: 'up', 'down', 'frame' (direction 'up' | 'down', size in bytes: what a gateway can see of a message). */
export abstract class DeviceLink extends EventEmitter {
  readonly key: string;
  readonly counters = newDeviceCounters();
  protected readonly sink: LinkSink;
  protected readonly log: Logger;
  protected readonly downlink: FairQueue<Uint8Array>;
  private linkUp = false;
  private readonly droppedLoggedAt = new Map<DropReason, number>();

  constructor(readonly address: Address, readonly kind: LinkKind, options: DeviceLinkOptions) {
    super();
    this.key = formatAddress(address);
    this.sink = options.sink;
    this.log = options.log;
    const maxItems = options.maxDownlink ?? DEFAULT_MAX_DOWNLINK;
    this.downlink = new FairQueue<Uint8Array>({ maxItems, maxBytes: options.maxDownlinkBytes ?? DEFAULT_MAX_DOWNLINK_BYTES, maxPerSource: maxItems });
  }

  get up(): boolean {
    return this.linkUp;
  }

  /** Queues an encoded routed message for the device; false (counted) when it cannot. */
  enqueueDown(message: Uint8Array): boolean {
    const refusal = this.downlink.push('', message, message.length);
    if (refusal !== undefined) {
      this.drop('downlink_full');
      return false;
    }
    if (this.linkUp) this.transmit();
    return true;
  }

  drop(reason: DropReason, n = 1): void {
    countDrop(this.counters, reason, n);
    // One line per reason per second: a flooding device must not flood the journal too.
    const now = Date.now();
    if (now - (this.droppedLoggedAt.get(reason) ?? 0) < DROP_LOG_INTERVAL_MS) return;
    this.droppedLoggedAt.set(reason, now);
    this.log.warn({ device: this.key, reason, total: this.counters.drops[reason] }, 'dropped');
  }

  status(): LinkStatus {
    return {
      address: this.key,
      kind: this.kind,
      up: this.linkUp,
      downlinkQueued: this.downlink.size,
      counters: this.counters,
      linkDrops: this.linkDrops(),
      detail: this.detail(),
    };
  }

  /** Stops the link for good (gateway shutdown). */
  abstract close(): Promise<void>;

  /** Starts sending queued downlink messages if the link can. */
  protected abstract transmit(): void;

  protected abstract linkDrops(): Record<string, number>;

  protected detail(): Record<string, string | number> {
    return {};
  }

  /** Hands a whole message from the device to the gateway. */
  protected deliverUp(message: Uint8Array): void {
    this.counters.framesUp++;
    this.counters.bytesUp += message.length;
    this.emit('frame', 'up', message.length);
    this.sink.fromDevice(this, message);
  }

  /** A downlink message reached the device. */
  protected countDown(message: Uint8Array): void {
    this.counters.framesDown++;
    this.counters.bytesDown += message.length;
    this.emit('frame', 'down', message.length);
  }

  protected setUp(up: boolean, fields: Record<string, unknown> = {}): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    if (up) {
      this.counters.connects++;
      this.log.info({ device: this.key, ...fields }, 'link up');
      this.emit('up');
      this.transmit();
    } else {
      this.counters.disconnects++;
      this.log.info({ device: this.key, ...fields }, 'link down');
      this.emit('down');
    }
  }
}
