/**
 * The cloud service's figures, each through the real CloudNode (router, listener, registry in
 * SQLite on disk, services), with the network replaced by a capturing transport so only the
 * cloud's own work is measured:
 *
 * - responder handshakes per core with identity checks and registry lookups, beside the bare
 *   ResponderHandshake (no routing, no registry) measured in the same run: once with every
 *   handshake verifying the attestation signature (first contact), once with the verified-peer
 *   cache a running service has (repeat handshakes of known devices);
 * - concurrent channels held in one process, and the heap (and RSS) each one costs;
 * - telemetry readings stored per second with exactly-once dedup (SQLite, WAL, synchronous =
 *   FULL: every ack waits for an fsync), beside the store alone on the same disk.
 *
 * BENCH_CHANNELS sets the channel count (default 10,000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { encodeAppMessage, telemetryBatch, type Reading } from '../../protocol/app/messages.ts';
import { createIdentity, type LocalIdentity } from '../../protocol/identity/identity.ts';
import { PeerCache, pinnedAnchor, trustCallback } from '../../protocol/identity/trust.ts';
import { Address, TransportType } from '../../protocol/routing/address.ts';
import { routedMessage, type RoutedMessage } from '../../protocol/routing/message.ts';
import { Route, route } from '../../protocol/routing/route.ts';
import { InitiatorHandshake, ResponderHandshake, type HandshakeConfig } from '../../protocol/secure-channel/handshake.ts';
import { silentLogger } from '../../transport-node/log.ts';
import { CloudNode } from '../../cloud/node.ts';
import { SqliteStore } from '../../cloud/storage/sqlite-store.ts';
import { CpuStopwatch, perCoreSecondEach, type BenchReport } from '../report.ts';

const provider = nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
const NOW = Math.floor(Date.now() / 1000);
const FROM_NETWORK = route('tcp:#1');

/** A CloudNode whose network is an array: what it sends is kept until taken. */
class BenchCloud {
  readonly node: CloudNode;
  readonly store: SqliteStore;
  readonly outbox: RoutedMessage[] = [];

  constructor(readonly identity: LocalIdentity, database: string, peerCacheSize?: number) {
    this.store = new SqliteStore(database);
    this.node = new CloudNode({
      store: this.store, identity, provider, log: silentLogger, maxChannels: 1_000_000,
      ...(peerCacheSize !== undefined ? { peerCacheSize } : {}),
    });
    this.node.router.registerTransport(TransportType.TCP, { send: (m) => { this.outbox.push(m); } });
  }

  /** One handshake from `device`; the cloud's share of the CPU goes to `stopwatch`. Returns the channel's encryptor. */
  handshake(device: LocalIdentity, stopwatch?: CpuStopwatch): Address {
    const config: HandshakeConfig = { provider, identity: device, policy: pinnedAnchor(this.identity.id), now: () => NOW };
    const initiator = new InitiatorHandshake(config);
    const m1 = initiator.start();
    const timed = <T>(fn: () => T): T => (stopwatch ? stopwatch.time(fn) : fn());
    this.outbox.length = 0;
    timed(() => this.node.router.route(routedMessage(route('api'), FROM_NETWORK, m1)));
    const m2 = this.outbox.pop()!;
    const { reply } = initiator.receive(m2.payload);
    timed(() => this.node.router.route(routedMessage(Route.of([m2.returnRoute.next()]), FROM_NETWORK, reply)));
    this.outbox.length = 0;
    return this.node.listener.channelOf(device.id)!.encryptor;
  }

  close(): void {
    this.node.shutdown();
    this.store.close();
  }
}

function devices(count: number): LocalIdentity[] {
  return Array.from({ length: count }, () => createIdentity(provider, NOW - 60, NOW + 86_400));
}

function enrollAll(cloud: BenchCloud, all: readonly LocalIdentity[]): void {
  for (const d of all) cloud.store.enroll(d.id, { role: 'sensor' }, Date.now());
}

/** One measured side: `run` does one handshake, timing only the responder's share. */
interface Side {
  readonly run: () => void;
  readonly stopwatch: CpuStopwatch;
  count: number;
}

function side(handshake: (stopwatch: CpuStopwatch, n: number) => void): Side {
  const s: Side = { stopwatch: new CpuStopwatch(), count: 0, run: () => { handshake(s.stopwatch, s.count); s.count++; } };
  return s;
}

/** The bare responder: Noise XX with identity payloads and attestation check, nothing else. */
function bareResponder(cloud: LocalIdentity, device: LocalIdentity): Side {
  const deviceConfig: HandshakeConfig = { provider, identity: device, policy: pinnedAnchor(cloud.id), now: () => NOW };
  const cloudConfig: HandshakeConfig = { provider, identity: cloud, policy: trustCallback(() => true), now: () => NOW };
  return side((stopwatch) => {
    const initiator = new InitiatorHandshake(deviceConfig);
    const m1 = initiator.start();
    const responder = stopwatch.time(() => new ResponderHandshake(cloudConfig));
    const m2 = stopwatch.time(() => responder.receiveHello(m1));
    const m3 = initiator.receive(m2).reply;
    stopwatch.time(() => responder.receiveFinish(m3));
  });
}

/**
 * The cloud's figures and their ceiling, the bare responder, take turns (perCoreSecondEach):
 * on a VM whose speed wanders between runs (the same code measured 1,335/s and 2,654/s here an
 * hour apart), measured one after the other they would not share a moment.
 */
function benchHandshakeRate(report: BenchReport, dir: string, ms: number): void {
  const cloudIdentity = createIdentity(provider, NOW - 60, NOW + 86_400);
  const fleet = devices(500);
  const kinds = [['first_contact', 'every handshake verifies the attestation', 0], ['known_devices', 'peer cache of a running service', undefined]] as const;
  const clouds = kinds.map(([key, , cacheSize]) => {
    const cloud = new BenchCloud(cloudIdentity, join(dir, `handshake-${key}.db`), cacheSize);
    enrollAll(cloud, fleet);
    return cloud;
  });
  const bare = bareResponder(cloudIdentity, fleet[0]!);
  const sides = clouds.map((cloud) => side((stopwatch, n) => {
    const device = fleet[n % fleet.length]!;
    cloud.handshake(device, stopwatch);
    cloud.node.listener.closeChannel(device.id, 'bench'); // untimed: keeps the channel table small
  }));
  const all = [bare, ...sides];
  perCoreSecondEach(all.map((s) => s.run), ms, { onStart: () => all.forEach((s) => { s.count = 0; s.stopwatch.micros = 0; }) });
  const rate = (s: Side) => (s.count * 1e6) / s.stopwatch.micros;
  kinds.forEach(([key, label], i) => report.add({
    name: `cloud.handshake.${key}_per_core_s`,
    value: rate(sides[i]!),
    unit: `responder handshakes/s (${label}; listener, registry lookup, authorize)`,
    ceiling: { name: 'bare ResponderHandshake', value: rate(bare) },
    goal: '>= 1500',
  }));
  for (const cloud of clouds) cloud.close();
}

/** `size` readings from `seq` on, two values each, as the simulated sensor reports them. */
export function benchReadings(seq: number, size: number): Reading[] {
  return Array.from({ length: size }, (_, i) => ({
    seq: seq + i, time: NOW, uptimeMs: (seq + i) * 1000, values: [{ name: 'temp', value: 21.5 }, { name: 'humidity', value: 40 }],
  }));
}

/**
 * The telemetry path's ceiling: batches straight into a SqliteStore of its own (same schema,
 * same fsync per batch), devices in rotation, no channel, routing or network in front.
 */
export class StoreAlone {
  readonly store: SqliteStore;
  private readonly next: number[];
  private turn = 0;

  constructor(path: string, private readonly devices: readonly string[]) {
    this.store = new SqliteStore(path);
    this.next = devices.map(() => 0);
  }

  batch(size: number): void {
    const i = this.turn++ % this.devices.length;
    this.store.storeReadings(this.devices[i]!, 0, benchReadings(this.next[i]!, size), Date.now());
    this.next[i]! += size;
  }

  close(): void {
    this.store.close();
  }
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function benchChannelsHeld(report: BenchReport, dir: string): void {
  const count = Number(process.env['BENCH_CHANNELS'] ?? 10_000);
  const gc = collectGarbage();
  const cloud = new BenchCloud(createIdentity(provider, NOW - 60, NOW + 86_400), join(dir, 'channels.db'));
  const fleet = devices(count);
  enrollAll(cloud, fleet);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const started = performance.now();
  for (const d of fleet) cloud.handshake(d);
  const seconds = (performance.now() - started) / 1000;
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const rss1 = process.memoryUsage().rss;
  const held = cloud.node.listener.channelCount;
  report.add({ name: 'cloud.channels.held', value: held, unit: `channels open at once (${count} devices, ${(count / seconds).toFixed(0)} handshakes/s both ends)`, goal: '>= 10000' });
  report.add({ name: 'cloud.channels.heap_bytes_per_channel', value: Math.round((heap1 - heap0) / held), unit: 'bytes of JS heap per channel (listener, channel end, keys, peer cache)' });
  report.add({ name: 'cloud.channels.rss_bytes_per_channel', value: Math.round((rss1 - rss0) / held), unit: 'bytes of RSS per channel' });
  cloud.close();
}

/**
 * Calls per wall-clock second of two workloads, measured in alternating slices so that disk
 * contention from other processes hits both alike: storage waits on fsync, which CPU time
 * would not show.
 */
function perWallSecondSideBySide(a: () => void, b: () => void, ms: number): [number, number] {
  const counts = [0, 0];
  const spent = [0, 0];
  const fns = [a, b];
  for (const fn of fns) for (let i = 0; i < 5; i++) fn();
  for (let slice = 0; slice < 10; slice++) {
    for (const k of [0, 1]) {
      const start = performance.now();
      while (performance.now() - start < ms / 10) {
        fns[k]!();
        counts[k]!++;
      }
      spent[k]! += performance.now() - start;
    }
  }
  return [(counts[0]! * 1000) / spent[0]!, (counts[1]! * 1000) / spent[1]!];
}

function benchTelemetry(report: BenchReport, dir: string, ms: number): void {
  const cloud = new BenchCloud(createIdentity(provider, NOW - 60, NOW + 86_400), join(dir, 'telemetry.db'));
  const fleet = devices(50);
  enrollAll(cloud, fleet);
  const encryptors = fleet.map((d) => cloud.handshake(d));
  const next = new Array<number>(fleet.length).fill(0);
  const app = Address.local('app');
  let turn = 0;
  /** One batch through the telemetry worker as a channel delivers it; `again` re-sends it too. */
  const viaService = (size: number, again: boolean) => () => {
    const i = turn++ % fleet.length;
    const payload = encodeAppMessage(telemetryBatch(0, benchReadings(next[i]!, size)));
    next[i]! += size;
    const message = routedMessage(route('telemetry'), Route.of([encryptors[i]!, app]), payload);
    cloud.node.router.route(message);
    if (again) cloud.node.router.route(message);
    cloud.outbox.length = 0;
  };
  /** The same batches, same device rotation, straight into a store of its own. */
  const storeOnly = new StoreAlone(join(dir, 'store-only.db'), fleet.map((d) => d.id));
  const viaStore = (size: number) => () => storeOnly.batch(size);
  report.section('Cloud telemetry (exactly-once store, SQLite WAL, synchronous=FULL: one fsync per batch; wall clock)');
  for (const size of [32, 1]) {
    const [stored, ceiling] = perWallSecondSideBySide(viaService(size, false), viaStore(size), ms).map((rate) => rate * size) as [number, number];
    report.add({ name: `cloud.telemetry.batch${size}_stored_per_s`, value: stored, unit: `readings/s (batches of ${size}, ack through the channel)`, ceiling: { name: 'store alone', value: ceiling } });
  }
  const [dedup] = perWallSecondSideBySide(viaService(32, true), viaStore(32), ms).map((rate) => rate * 32) as [number, number];
  report.add({ name: 'cloud.telemetry.batch32_every_batch_twice_per_s', value: dedup, unit: 'unique readings/s (every batch arrives twice, stored once)' });
  const total = cloud.store.readings({ limit: 1, newest: true })[0]?.id ?? 0;
  const duplicates = cloud.node.telemetry.counters.duplicates;
  report.add({ name: 'cloud.telemetry.duplicates_refused', value: duplicates, unit: `duplicate readings refused during the run (${total} stored)` });
  storeOnly.close();
  cloud.close();
}

export function benchCloud(report: BenchReport, ms: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-bench-cloud-'));
  try {
    report.section('Cloud service (CloudNode: listener, registry in SQLite, services; node:crypto; per core)');
    benchHandshakeRate(report, dir, ms);
    benchChannelsHeld(report, dir);
    benchTelemetry(report, dir, ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
