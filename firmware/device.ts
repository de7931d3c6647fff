/**
 * The device, composed: identity from NVS (provisioned at first boot), a router with the
 * enabled links as its transports, the trimmed channel initiator toward the configured route,
 * the delivery buffer and the `app` worker, the sensor on its interval, all run by one loop
 * that sleeps until the earliest deadline.
 *
 * Free of Moddable imports: everything platform-specific arrives in DevicePlatform (main.ts
 * builds it from Moddable modules; tests and simulators may build their own), so this is the
 * code the simulators run unchanged on XS and Node.
 *
 * Inbound policy: a link hands over complete routed messages; after stepping past the link, the
 * only worker the network may reach is the channel's network side. `app` and the channel's
 * local side are reachable only from inside the channel, so a gateway cannot forge an ACK or a
 * command by addressing them directly.
 *
 * Time: the channel checks the responder's attestation with the wall clock when it is set, and
 * without one accepts only the pinned trust anchor (protocol/identity/trust.ts pinnedAnchor);
 * readings carry time 0 and their uptime until the clock is set.
 */
import type { ReadingValue } from '../protocol/app/messages.ts';
import type { CryptoProvider, RandomSource } from '../protocol/crypto/provider.ts';
import { BurrowError } from '../protocol/errors.ts';
import { PeerCache, pinnedAnchor } from '../protocol/identity/trust.ts';
import type { LocalIdentity } from '../protocol/identity/identity.ts';
import { Address, TransportType } from '../protocol/routing/address.ts';
import { decodeMessage } from '../protocol/routing/codec.ts';
import { stepForward } from '../protocol/routing/message.ts';
import { Router } from '../protocol/routing/router.ts';
import { SecureChannelInitiator } from '../protocol/secure-channel/initiator.ts';
import { CommandHandler, type DeviceControl } from './commands.ts';
import type { DeviceConfig, LinkKind } from './config.ts';
import { DeliveryBuffer } from './delivery.ts';
import { loadOrProvisionIdentity } from './identity-store.ts';
import type { DeviceLink, Inbound, Wake } from './links/link.ts';
import type { DeviceClock } from './platform/clock.ts';
import type { Indicator } from './platform/indicator.ts';
import type { Log } from './log.ts';
import type { SensorDriver } from './sensor/driver.ts';
import { readU32, StoreKey, writeU32, type KeyValueStore } from './storage.ts';
import { TelemetryApp } from './telemetry-app.ts';

export const CHANNEL_WORKER = 'channel';

// Our limits.
/** Verified responders remembered (one cloud, and one key rotation in flight). */
const PEER_CACHE_SIZE = 2;

export interface DeviceLoop {
  /** Run the loop soon (after the current callback). */
  wake(): void;
  /** Run the loop now. */
  runNow(): void;
}

export interface DevicePlatform {
  readonly random: RandomSource;
  readonly provider: CryptoProvider;
  readonly clock: DeviceClock;
  readonly log: Log;
  readonly store: KeyValueStore;
  readonly sensor: SensorDriver;
  readonly indicator: Indicator;
  openLink(kind: LinkKind, inbound: Inbound, wake: Wake): DeviceLink;
  loop(run: (now: number) => number | undefined): DeviceLoop;
}

const LINK_TYPES: Readonly<Record<LinkKind, number>> = { uart: TransportType.UART, ble: TransportType.BLE };

export class Device {
  readonly identity: LocalIdentity;
  readonly provisioned: boolean;
  readonly initiator: SecureChannelInitiator;
  readonly buffer: DeliveryBuffer;
  readonly app: TelemetryApp;
  readonly commands: CommandHandler;
  readonly counters = { samples: 0, sensorErrors: 0, inboundRefused: 0 };
  private readonly config: DeviceConfig;
  private readonly p: DevicePlatform;
  private readonly router: Router;
  private readonly links: DeviceLink[] = [];
  private readonly loop: DeviceLoop;
  private readonly cache = new PeerCache(PEER_CACHE_SIZE);
  private referenceRefused = false;
  private started = false;
  private intervalMs: number;
  private nextSample: number;

  constructor(config: DeviceConfig, platform: DevicePlatform) {
    this.config = config;
    this.p = platform;
    const loaded = loadOrProvisionIdentity(platform.provider, platform.store, {
      now: platform.clock.wallSeconds(), buildTime: config.buildTime, attestationDays: config.attestationDays,
    }, platform.log);
    this.identity = loaded.identity;
    this.provisioned = loaded.provisioned;
    platform.log(`identifier ${this.identity.id}${loaded.provisioned ? ' (provisioned now: enroll it)' : ''}`);

    const enabled = new Set(config.links.map((k) => LINK_TYPES[k]));
    this.router = new Router({ allow: (head) => enabled.has(head.type) });
    this.loop = platform.loop((now) => this.service(now));
    const wake = () => this.loop.wake();
    for (const kind of config.links) {
      const back = this.returnAddress(kind);
      const link = platform.openLink(kind, (bytes) => this.inbound(bytes, back), wake);
      this.router.registerTransport(LINK_TYPES[kind], link);
      this.links.push(link);
    }

    const cache = this.cache;
    const device = this;
    this.initiator = new SecureChannelInitiator(this.router, {
      name: CHANNEL_WORKER,
      route: config.route,
      handshake: {
        provider: platform.provider,
        identity: this.identity,
        policy: pinnedAnchor(config.trustAnchor),
        cache,
        now: () => platform.clock.wallSeconds(),
      },
      // Read at every handshake: after one verified handshake the responder may answer by
      // reference, which saves the device an Ed25519 verification (about a second on an ESP32).
      get knowsResponder() {
        return cache.size > 0 && !device.referenceRefused;
      },
      clock: () => platform.clock.monotonicMs(),
      random: platform.random,
      keepaliveMs: config.keepaliveMs,
      events: {
        established: (peer) => {
          platform.log(`channel established with ${peer.id}${peer.fromCache ? ' (known)' : ''}`);
          this.app.channelEstablished();
          this.loop.wake();
        },
        closed: (reason) => platform.log(`channel closed: ${reason}`),
        dropped: (reason, error) => {
          if (error instanceof BurrowError && error.code === 'IDENTITY_UNKNOWN_REFERENCE') this.referenceRefused = true;
          platform.log(`channel: ${reason}`);
        },
      },
    });

    this.buffer = new DeliveryBuffer({ capacity: config.bufferReadings, batchReadings: config.batchReadings, store: platform.store });
    this.commands = new CommandHandler(this.control());
    this.app = new TelemetryApp({ router: this.router, channel: this.initiator, buffer: this.buffer, commands: this.commands, ackTimeoutMs: config.ackTimeoutMs, log: platform.log });
    this.intervalMs = readU32(platform.store, StoreKey.intervalMs) ?? config.intervalMs;
    this.nextSample = platform.clock.monotonicMs();
    // The first turn of the loop (the first reading, message 1) runs after boot returns, so
    // boot's own work (provisioning) stays one step and the timers start from a quiet state.
    this.loop.wake();
  }

  /** A small report for `status` and the simulators. */
  status(): Record<string, string | number | boolean | readonly string[]> {
    return {
      id: this.identity.id,
      uptimeMs: this.p.clock.monotonicMs(),
      clock: this.p.clock.wallSeconds() !== undefined,
      channel: this.initiator.state,
      // Channels established since boot: a roam or a gateway restart must not add one.
      handshakes: this.initiator.stats.established,
      seq: this.buffer.next,
      floor: this.buffer.floor,
      buffered: this.buffer.size,
      dropped: this.buffer.counters.dropped,
      acknowledged: this.buffer.counters.acknowledged,
      intervalMs: this.intervalMs,
      links: this.links.map((l) => `${l.kind}:${l.connected ? 'up' : 'down'}`),
      crypto: this.p.provider.name,
    };
  }

  /** One turn of the loop: sample, channel, application, links; returns the next deadline. */
  private service(now: number): number | undefined {
    if (now >= this.nextSample) {
      this.sample(now);
      // Missed intervals (a long handshake) are skipped, not caught up in a burst.
      this.nextSample = Math.max(this.nextSample + this.intervalMs, now + 1);
    }
    // The first handshake waits for the link the route starts with: message 1 sent into a BLE
    // link nobody has subscribed to yet would only fail and wait out a backoff.
    if (!this.started && this.headLink().connected) {
      this.started = true;
      this.initiator.start();
    }
    this.initiator.poll(now);
    let next = Math.min(this.nextSample, this.initiator.nextDeadline() ?? Infinity, this.app.service(now) ?? Infinity);
    for (const link of this.links) next = Math.min(next, link.service(now) ?? Infinity);
    return next === Infinity ? undefined : next;
  }

  private sample(now: number): void {
    let values: readonly ReadingValue[];
    try {
      values = this.p.sensor.read(now);
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      this.counters.sensorErrors++;
      this.p.log(`sensor ${this.p.sensor.name}: ${e.code}`);
      return;
    }
    this.buffer.add(this.p.clock.wallSeconds() ?? 0, now, values);
    this.counters.samples++;
  }

  private inbound(encoded: Uint8Array, back: Address): void {
    try {
      const message = stepForward(decodeMessage(encoded), back);
      if (!message.onwardRoute.next().equals(this.initiator.decryptor)) {
        this.counters.inboundRefused++;
        this.p.log('link: message for a worker the network may not reach, dropped');
        return;
      }
      this.router.route(message);
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      this.counters.inboundRefused++;
      this.p.log(`link: message dropped (${e.code})`);
    }
  }

  /** The link that carries the channel (the route's first hop; readConfig checked it is enabled). */
  private headLink(): DeviceLink {
    const type = this.config.route.next().type;
    return this.links.find((l) => LINK_TYPES[l.kind] === type)!;
  }

  /** How this device reaches back over a link: the route's first hop when it uses that link. */
  private returnAddress(kind: LinkKind): Address {
    const head = this.config.route.next();
    return head.type === LINK_TYPES[kind] ? head : new Address(LINK_TYPES[kind], 'gw');
  }

  private control(): DeviceControl {
    return {
      setIntervalMs: (ms) => {
        this.intervalMs = ms;
        writeU32(this.p.store, StoreKey.intervalMs, ms);
        this.nextSample = Math.min(this.nextSample, this.p.clock.monotonicMs() + ms);
        this.loop.wake();
      },
      identify: (blinks) => this.p.indicator.blink(blinks),
      status: () => this.status(),
    };
  }
}
