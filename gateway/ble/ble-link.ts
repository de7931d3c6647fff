/**
 * One BLE device link: the gateway is the central, the device a peripheral with one GATT
 * service (a write characteristic toward the device, a notify characteristic from it).
 *
 * A session is connect -> MTU (the central's exchange, reported by noble) -> service and
 * characteristic discovery -> subscribe; then notifications are reassembled into messages
 * (protocol/framing/ble-fragment.ts) and downlink messages are fragmented to MTU - 3 and
 * written with response, one at a time: the device answers each write only when it has
 * consumed it, so the gateway never outruns a device busy with a DH. Every GATT call has a
 * timeout and ends when the session does (gatt-call.ts).
 *
 * When the link drops the session ends, and the link reconnects with backoff to the same
 * peripheral and discovers and subscribes again: characteristics from an old session are
 * stale. A message whose fragments were not all acknowledged stays at the head of the
 * downlink queue and is sent again whole (the device drops the partial copy; a duplicate of
 * a complete one is the channel's replay window's business).
 */
import { Buffer } from 'node:buffer';
import { fragment, fragmentSizeForMtu, BleReassembler, MAX_BLE_MESSAGE, MIN_FRAGMENT_SIZE } from '../../protocol/framing/ble-fragment.ts';
import { Address, TransportType } from '../../protocol/routing/address.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { DeviceLink, type DeviceLinkOptions } from '../device-link.ts';
import { errorCode, GatewayError } from '../errors.ts';
import { gattCall, sleep } from './gatt-call.ts';
import type { NobleCharacteristic, NoblePeripheral, NobleService } from './noble-types.ts';

// Protocol constants.
const DEFAULT_ATT_MTU = 23;

export interface GattNames {
  /** noble's form: lower case, no dashes. */
  readonly service: string;
  readonly rx: string;
  readonly tx: string;
}

export interface BleTimeouts {
  readonly connectMs: number;
  readonly discoverMs: number;
  readonly subscribeMs: number;
  /** Per write: long enough for a device that answers after a DH. */
  readonly writeMs: number;
  readonly disconnectMs: number;
}

export interface BleLinkOptions extends DeviceLinkOptions {
  readonly gatt: GattNames;
  readonly timeouts: BleTimeouts;
  readonly backoff: BackoffOptions;
  /** Cap on the fragment size below MTU - 3, if a device's stack needs it. */
  readonly maxFragment?: number;
  /** Resolves when the adapter is powered on (or the signal aborts). */
  readonly adapterReady: (signal: AbortSignal) => Promise<void>;
}

interface Session {
  readonly controller: AbortController;
  readonly rx: NobleCharacteristic;
  readonly fragmentSize: number;
}

export class BleLink extends DeviceLink {
  private readonly reassembler = new BleReassembler();
  private readonly backoff: Backoff;
  private readonly lifetime = new AbortController();
  private session: Session | undefined;
  private pumping = false;
  private running: Promise<void> | undefined;
  private mtu = DEFAULT_ATT_MTU;
  /** When the link last went down (for forgetting long-gone devices). */
  downSince: number | undefined = Date.now();

  constructor(
    readonly peripheral: NoblePeripheral,
    private readonly options: BleLinkOptions,
  ) {
    super(new Address(TransportType.BLE, peripheral.id), 'ble', options);
    this.backoff = new Backoff(options.backoff);
  }

  start(): void {
    this.running ??= this.run();
  }

  async close(): Promise<void> {
    this.lifetime.abort();
    this.session?.controller.abort();
    await this.running;
  }

  protected override detail(): Record<string, string | number> {
    const name = this.peripheral.advertisement.localName;
    return { mtu: this.mtu, fragment: this.session?.fragmentSize ?? 0, ...(name === undefined ? {} : { name }) };
  }

  protected linkDrops(): Record<string, number> {
    const c = this.reassembler.counters;
    return { fragment_gap: c.discarded, fragment_orphan: c.orphans, oversize: c.oversize, fragment_malformed: c.malformed };
  }

  private async run(): Promise<void> {
    const closing = this.lifetime.signal;
    while (!closing.aborted) {
      await this.options.adapterReady(closing);
      if (closing.aborted) break;
      try {
        await this.connectOnce();
        this.backoff.reset();
      } catch (error) {
        this.log.warn({ device: this.key, code: errorCode(error) }, 'ble session failed');
      }
      if (closing.aborted) break;
      await sleep(this.backoff.next(), closing);
    }
  }

  /** One session, from connect until the link is lost. Throws what ended it early. */
  private async connectOnce(): Promise<void> {
    const controller = new AbortController();
    const signal = controller.signal;
    const endSession = () => controller.abort();
    this.lifetime.signal.addEventListener('abort', endSession);
    const p = this.peripheral;
    const onDisconnect = () => controller.abort();
    p.on('disconnect', onDisconnect);
    let tx: NobleCharacteristic | undefined;
    const onData = (data: Buffer) => {
      const message = this.reassembler.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (message !== undefined) this.deliverUp(message);
    };
    let connected = false;
    try {
      await this.connect(signal);
      connected = true;
      const characteristics = await this.discover(signal);
      tx = characteristics.tx;
      // noble's binding reported the MTU exchange before any discovery answer.
      this.mtu = p.mtu ?? DEFAULT_ATT_MTU;
      const fragmentSize = Math.max(MIN_FRAGMENT_SIZE, Math.min(fragmentSizeForMtu(this.mtu), this.options.maxFragment ?? Infinity));
      tx.on('data', onData);
      await this.subscribe(tx, signal);
      this.session = { controller, rx: characteristics.rx, fragmentSize };
      this.downSince = undefined;
      this.setUp(true, { mtu: this.mtu, fragment: fragmentSize });
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));
    } finally {
      this.session = undefined;
      tx?.off('data', onData);
      p.off('disconnect', onDisconnect);
      this.lifetime.signal.removeEventListener('abort', endSession);
      this.downSince = Date.now();
      this.setUp(false);
      // Ended by us (failure or shutdown) while the radio link may still be up: hang up.
      if (connected && p.state !== 'disconnected') await this.hangUp();
      controller.abort();
    }
  }

  private connect(signal: AbortSignal): Promise<void> {
    const p = this.peripheral;
    return gattCall<void>({
      what: 'connect',
      timeoutMs: this.options.timeouts.connectMs,
      signal,
      listen: (resolve, reject) => {
        const onConnect = (error?: Error | null) =>
          error ? reject(new GatewayError('LINK_CONNECT_FAILED', `connect: ${String(error.message ?? error).slice(0, 80)}`)) : resolve();
        p.once('connect', onConnect);
        return () => p.off('connect', onConnect);
      },
      start: () => p.connect(),
      abandon: () => p.cancelConnect(),
    });
  }

  private async discover(signal: AbortSignal): Promise<{ rx: NobleCharacteristic; tx: NobleCharacteristic }> {
    const p = this.peripheral;
    const { gatt, timeouts } = this.options;
    const services = await gattCall<NobleService[]>({
      what: 'discover services',
      timeoutMs: timeouts.discoverMs,
      signal,
      listen: (resolve) => {
        p.once('servicesDiscover', resolve);
        return () => p.off('servicesDiscover', resolve);
      },
      start: () => p.discoverServices([gatt.service]),
    });
    const service = services.find((s) => s.uuid === gatt.service);
    if (service === undefined) throw new GatewayError('LINK_CONNECT_FAILED', 'device lacks the gateway service');
    const characteristics = await gattCall<NobleCharacteristic[]>({
      what: 'discover characteristics',
      timeoutMs: timeouts.discoverMs,
      signal,
      listen: (resolve) => {
        service.once('characteristicsDiscover', resolve);
        return () => service.off('characteristicsDiscover', resolve);
      },
      start: () => service.discoverCharacteristics([gatt.rx, gatt.tx]),
    });
    const rx = characteristics.find((c) => c.uuid === gatt.rx && c.properties.includes('write'));
    const tx = characteristics.find((c) => c.uuid === gatt.tx && c.properties.includes('notify'));
    if (rx === undefined || tx === undefined) throw new GatewayError('LINK_CONNECT_FAILED', 'device lacks the write or notify characteristic');
    return { rx, tx };
  }

  private subscribe(tx: NobleCharacteristic, signal: AbortSignal): Promise<void> {
    return gattCall<void>({
      what: 'subscribe',
      timeoutMs: this.options.timeouts.subscribeMs,
      signal,
      listen: (resolve) => {
        const onNotify = () => resolve();
        tx.once('notify', onNotify);
        return () => tx.off('notify', onNotify);
      },
      start: () => tx.subscribe(),
    });
  }

  private write(session: Session, piece: Uint8Array): Promise<void> {
    const rx = session.rx;
    return gattCall<void>({
      what: 'write',
      timeoutMs: this.options.timeouts.writeMs,
      signal: session.controller.signal,
      listen: (resolve) => {
        const onWrite = () => resolve();
        rx.once('write', onWrite);
        return () => rx.off('write', onWrite);
      },
      start: () => rx.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength), false),
    });
  }

  /** Disconnects, waiting (bounded) for noble to confirm. */
  private async hangUp(): Promise<void> {
    const p = this.peripheral;
    const never = new AbortController().signal;
    await gattCall<void>({
      what: 'disconnect',
      timeoutMs: this.options.timeouts.disconnectMs,
      signal: never,
      listen: (resolve) => {
        const onDisconnect = () => resolve();
        p.once('disconnect', onDisconnect);
        return () => p.off('disconnect', onDisconnect);
      },
      start: () => p.disconnect(),
    }).catch(() => undefined); // a radio that never confirms is as gone as one that does
  }

  /** Sends queued downlink messages, one write in flight, while the session lasts. */
  protected transmit(): void {
    if (this.pumping || this.session === undefined) return;
    this.pumping = true;
    void this.pump().finally(() => (this.pumping = false));
  }

  private async pump(): Promise<void> {
    for (let session = this.session; session !== undefined && session === this.session; session = this.session) {
      const next = this.downlink.peek();
      if (next === undefined) return;
      if (next.item.length > MAX_BLE_MESSAGE) {
        this.downlink.shift();
        this.drop('downlink_oversize');
        continue;
      }
      try {
        for (const piece of fragment(next.item, session.fragmentSize)) await this.write(session, piece);
      } catch (error) {
        // A write that timed out means a link that no longer works: end the session; the
        // message stays queued for the next one.
        this.log.warn({ device: this.key, code: errorCode(error) }, 'ble write failed');
        session.controller.abort();
        return;
      }
      this.downlink.shift();
      this.countDown(next.item);
    }
  }
}
