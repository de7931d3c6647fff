/**
 * The cloud under test, without TCP: a CloudNode (real registry, SQLite store, services) on
 * the in-memory network, with gateways and devices from the secure-channel fleet
 * (test/support/channel-fleet.ts) and one simulated clock for channel timers and the wall clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { AppMessageType, commandResult, decodeAppMessage, encodeAppMessage, telemetryBatch, type AppMessage, type Command, type Reading } from '../protocol/app/messages.ts';
import { createIdentity, type LocalIdentity } from '../protocol/identity/identity.ts';
import { Extension, payloadExtension } from '../protocol/identity/payload.ts';
import { PeerCache, pinnedAnchor } from '../protocol/identity/trust.ts';
import { TransportType } from '../protocol/routing/address.ts';
import { MemoryNetwork, type FaultRates } from '../protocol/routing/memory-transport.ts';
import type { RandomSource } from '../protocol/crypto/provider.ts';
import { route } from '../protocol/routing/route.ts';
import type { InitiatorOptions, SecureChannelInitiator } from '../protocol/secure-channel/initiator.ts';
import { recordingLogger } from '../transport-node/log.ts';
import type { AccessRules } from '../cloud/access.ts';
import type { Attributes } from '../cloud/attributes.ts';
import { CloudNode, type CloudNodeOptions } from '../cloud/node.ts';
import { SqliteStore } from '../cloud/storage/sqlite-store.ts';
import { parseTicket } from '../cloud/tickets.ts';
import { Clock, Device, Gateway, NOW_SECONDS } from './support/channel-fleet.ts';

export const provider = nodeCryptoProvider();
export const YEAR = 365 * 86400;
export { NOW_SECONDS };

export interface CloudFixtureOptions {
  /** A database file (restart tests); ':memory:' by default. */
  readonly database?: string;
  readonly identity?: LocalIdentity;
  readonly access?: AccessRules;
  readonly random?: RandomSource;
  readonly faults?: FaultRates;
  readonly node?: Partial<CloudNodeOptions>;
  /** Shares a clock with a previous fixture (restart tests). */
  readonly clock?: Clock;
}

export class CloudFixture {
  readonly clock: Clock;
  readonly network: MemoryNetwork;
  readonly log = recordingLogger();
  readonly store: SqliteStore;
  readonly node: CloudNode;
  readonly identity: LocalIdentity;

  constructor(o: CloudFixtureOptions = {}) {
    this.clock = o.clock ?? new Clock();
    this.network = new MemoryNetwork({ ...(o.random ? { random: o.random } : {}), ...(o.faults ? { faults: o.faults } : {}) });
    this.identity = o.identity ?? createIdentity(provider, NOW_SECONDS, NOW_SECONDS + YEAR);
    this.store = new SqliteStore(o.database ?? ':memory:');
    this.node = new CloudNode({
      store: this.store, identity: this.identity, provider, log: this.log,
      clock: this.clock.now, wallClock: () => this.wallMs(),
      ...(o.access ? { access: o.access } : {}),
      ...o.node,
    });
    this.network.attach(TransportType.TCP, 'cloud', this.node.router);
  }

  /** Wall-clock ms that moves with the simulated clock. */
  wallMs(): number {
    return NOW_SECONDS * 1000 + this.clock.ms;
  }

  gateway(name: string): Gateway {
    return new Gateway(name, this.network);
  }

  /** A device on `gateway`, enrolled with `attributes` unless `enroll` is false. */
  device(name: string, gateway: Gateway, options: { enroll?: boolean; attributes?: Attributes } = {}): Device {
    const d = new Device(name, provider);
    if (options.enroll ?? true) this.node.registry.enroll(d.identity.id, options.attributes ?? {});
    d.gateway = gateway;
    gateway.connect(d);
    return d;
  }

  /** Puts an existing device (e.g. from a fixture before a restart) on `gateway`, channel closed. */
  adopt(d: Device, gateway: Gateway): void {
    // A device that never opened a channel has no initiator yet.
    (d.initiator as SecureChannelInitiator | undefined)?.close();
    d.router.unregister('channel');
    d.router.unregister('channel.e');
    d.gateway?.disconnect(d);
    d.gateway = gateway;
    gateway.connect(d);
  }

  /** Opens the device's channel, optionally presenting an enrollment ticket or another identity. */
  open(d: Device, o: { ticket?: string; identity?: LocalIdentity; options?: Partial<InitiatorOptions> } = {}): void {
    d.open(this.identity, this.clock, {
      handshake: {
        provider, identity: o.identity ?? d.identity, policy: pinnedAnchor(this.identity.id), cache: new PeerCache(), now: () => NOW_SECONDS,
        ...(o.ticket !== undefined ? { extensions: [payloadExtension(Extension.ENROLLMENT_TICKET, parseTicket(o.ticket))] } : {}),
      },
      ...o.options,
    }).start();
  }

  /** Advances the clock in steps, pumping the network and polling every timer. */
  run(ms: number, devices: readonly Device[], step = 100): void {
    const end = this.clock.ms + ms;
    while (this.clock.ms < end) {
      this.network.pump();
      for (const d of devices) d.initiator.poll(this.clock.ms);
      this.node.poll();
      this.network.pump();
      this.clock.ms += step;
    }
  }

  /** Log lines at `level` whose message or fields mention `text`. */
  logged(level: 'debug' | 'info' | 'warn' | 'error', text: string): number {
    return this.log.records.filter((r) => r.level === level && (r.message.includes(text) || JSON.stringify(r.fields).includes(text))).length;
  }

  close(): void {
    this.node.shutdown();
    this.store.close();
  }
}

export const reading = (seq: number, value = seq): Reading => ({ seq, time: NOW_SECONDS, uptimeMs: seq * 1000, values: [{ name: 'temp', value }] });

/** Sends a telemetry batch from the device's `app` through its channel. */
export function sendReadings(d: Device, seqs: readonly number[], floor = 0): void {
  d.send('telemetry', encodeAppMessage(telemetryBatch(floor, seqs.map((s) => reading(s)))));
}

/** The app messages the device received from the telemetry and commands services, decoded. */
export const appMessages = (d: Device): AppMessage[] => d.received
  .filter((m) => ['telemetry', 'commands'].includes(String(m.returnRoute.recipient())))
  .map((m) => decodeAppMessage(m.payload));

/** The `next` of every ack the device received, in order. */
export const acks = (d: Device): number[] => appMessages(d).flatMap((m) => (m.type === AppMessageType.ACK ? [m.next] : []));

export function temporaryDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export { route };

/** The commands the device received, in order. */
export const commandsReceived = (d: Device): Command[] => appMessages(d).flatMap((m) => (m.type === AppMessageType.COMMAND ? [m] : []));

/** The device's `app` answers a command through its channel, as firmware does. */
export function answer(d: Device, c: Command, ok: boolean, detail: string): void {
  const to = d.received.find((m) => m.payload.length > 0 && decodeAppMessage(m.payload).type === AppMessageType.COMMAND)!.returnRoute;
  d.router.route({ onwardRoute: to, returnRoute: route('app'), payload: encodeAppMessage(commandResult(c.id, ok, detail)) });
}
