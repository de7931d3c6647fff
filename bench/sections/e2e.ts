/**
 * The whole path, device to stored reading, each figure beside a ceiling from the same run:
 *
 * - latency p50/p99 from a device taking a reading to the reading's row in the store:
 *   simulated ESP32s running the firmware bundle (Node engine) on UART links (the gateway's
 *   SerialLink over in-memory cables at 115200 baud), one gateway, one cloud with SQLite
 *   (synchronous=FULL), all in this process (LiveFleet). Measured at the store, in the cloud's
 *   telemetry service; the device's send time is its boot time plus the reading's uptimeMs
 *   (it sends at once when nothing is in flight). Ceiling: the UART time of the bytes a
 *   reading puts on the wire plus one SQLite commit alone, the floor no queueing can beat;
 * - readings/s through one gateway and one cloud, offered by devices that out-send both
 *   (e2e-load.ts), beside the same batches straight into a store of their own (the fsync per
 *   batch bounds the path), in alternating slices so a busy machine slows both alike; and the
 *   exactly-once check of that run;
 * - a first-contact handshake device -> cloud through the gateway: wall time with the device
 *   computing at an ESP32's speed (the XS engine's meter turned into busy time by
 *   simulators/device/cpu-model.ts), beside the device's own compute time in it; and the meter
 *   units the device spent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCloud } from '../../cloud/server.ts';
import { CONFIG_DEFAULTS } from '../../firmware/config.ts';
import { validateConfig } from '../../gateway/config.ts';
import { Gateway } from '../../gateway/gateway.ts';
import type { Reading } from '../../protocol/app/messages.ts';
import { ESP32_METER_UNITS_PER_MS } from '../../simulators/device/cpu-model.ts';
import type { MeterTotals } from '../../simulators/device/sim-device.ts';
import { LiveFleet } from '../../simulators/stack/live-fleet.ts';
import { silentLogger } from '../../transport-node/log.ts';
import { percentile, type BenchReport } from '../report.ts';
import { StoreAlone } from './cloud.ts';
import { loadFleet } from './e2e-load.ts';

// The line (what LiveFleet's cables run at): 8N1, start and stop bit around each byte.
const UART_BAUD = 115_200;
const BITS_PER_BYTE = 10;

// Bench parameters.
/** 50 readings/s offered: about a third of what one core simulates (~5 ms of CPU per reading). */
const LATENCY_DEVICES = 50;
const LATENCY_INTERVAL_MS = 1000;
const LATENCY_RUN_MS = 15_000;
/** After the last channel: readings buffered during the handshakes go first and are not counted. */
const LATENCY_SETTLE_MS = 3000;
const STORE_SAMPLES = 300;
/** Stop-and-wait devices, a batch in flight each: the rate was flat from 64 to 256 here (within noise). */
const LOAD_DEVICES = 64;
const ROUNDS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`bench e2e: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Commit times (ms) of single-reading batches into a store of their own in `dir`. */
function storeAloneLatencies(dir: string): number[] {
  const alone = new StoreAlone(join(dir, 'store-alone.db'), Array.from({ length: 50 }, (_, i) => `I${i.toString(16).padStart(40, '0')}`));
  try {
    const times: number[] = [];
    for (let i = 0; i < STORE_SAMPLES; i++) {
      const start = performance.now();
      alone.batch(1);
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b);
  } finally {
    alone.close();
  }
}

async function benchLatency(report: BenchReport): Promise<void> {
  const fleet = await LiveFleet.start({
    devices: Array.from({ length: LATENCY_DEVICES }, () => ({ engine: 'node' as const, link: 'wire' as const })),
    intervalMs: LATENCY_INTERVAL_MS,
    startWindow: 16,
  });
  try {
    await until('every channel', () => fleet.cloud.node.listener.channelCount === LATENCY_DEVICES, 60_000);
    await sleep(LATENCY_SETTLE_MS);
    const world = fleet.world;
    const bootAt = new Map(fleet.members.map((m) => [m.identifier, world.now() - m.device.uptime]));
    const from = world.now();
    const samples: number[] = [];
    const seen = new Set<string>();
    // Hook the store the telemetry service writes through: the moment each reading is stored.
    const store = fleet.cloud.node.store;
    const storeReadings = store.storeReadings.bind(store);
    store.storeReadings = (device: string, floor: number, readings: readonly Reading[], now: number) => {
      const result = storeReadings(device, floor, readings, now);
      const at = world.now();
      const boot = bootAt.get(device);
      for (const r of readings) {
        const key = `${device}:${r.seq}`;
        if (boot === undefined || boot + r.uptimeMs < from || seen.has(key)) continue;
        seen.add(key);
        samples.push(at - (boot + r.uptimeMs));
      }
      return result;
    };
    const wireBytes = () => fleet.members.reduce((n, m) => n + (m.cable?.wire.counters.fromDevice ?? 0), 0);
    const bytes0 = wireBytes();
    await sleep(LATENCY_RUN_MS);
    const bytesPerReading = (wireBytes() - bytes0) / Math.max(1, samples.length);
    store.storeReadings = storeReadings;
    samples.sort((a, b) => a - b);
    const alone = storeAloneLatencies(fleet.workDir);
    const uartMs = (bytesPerReading * BITS_PER_BYTE * 1000) / UART_BAUD;
    const load = `${LATENCY_DEVICES} devices on UART links, a reading/s each, ${samples.length} readings`;
    report.add({ name: 'e2e.latency_p50_ms', value: percentile(samples, 0.5), unit: `ms reading -> stored (${load})`, ceiling: { name: `UART time of its ${Math.round(bytesPerReading)} B + commit alone p50`, value: uartMs + percentile(alone, 0.5) } });
    report.add({ name: 'e2e.latency_p99_ms', value: percentile(samples, 0.99), unit: 'ms reading -> stored (same run)', ceiling: { name: 'UART time + commit alone p99', value: uartMs + percentile(alone, 0.99) } });
  } finally {
    await fleet.stop();
    rmSync(fleet.workDir, { recursive: true, force: true });
  }
}

async function benchThroughput(report: BenchReport, ms: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-bench-e2e-'));
  const cloud = await startCloud({ dataDir: join(dir, 'cloud'), port: 0, host: '127.0.0.1', log: silentLogger });
  const batch = CONFIG_DEFAULTS.batchReadings;
  let gateway: Gateway | undefined;
  let alone: StoreAlone | undefined;
  let load: Awaited<ReturnType<typeof loadFleet>> | undefined;
  try {
    gateway = await Gateway.start(validateConfig({ upstreams: [`tcp:127.0.0.1:${cloud.port}`], queue: { reconnect: { initialMs: 20, maxMs: 100 } } }), { log: silentLogger, http: false });
    const fleet = await loadFleet(gateway, cloud, LOAD_DEVICES, batch);
    load = fleet;
    alone = new StoreAlone(join(dir, 'store-alone.db'), fleet.devices.map((d) => d.identity.id));
    const store = alone;
    const telemetry = cloud.node.telemetry.counters;
    /** Readings stored in one slice of the whole path (the drain of what is in flight included). */
    const pathSlice = async (sliceMs: number): Promise<[number, number]> => {
      const stored0 = telemetry.stored;
      const start = performance.now();
      fleet.start();
      await sleep(sliceMs);
      if (!(await fleet.drain(10_000))) throw new Error('bench e2e: batches in flight were never acknowledged');
      return [telemetry.stored - stored0, performance.now() - start];
    };
    const storeSlice = (sliceMs: number): [number, number] => {
      const start = performance.now();
      let readings = 0;
      while (performance.now() - start < sliceMs) {
        store.batch(batch);
        readings += batch;
      }
      return [readings, performance.now() - start];
    };
    await pathSlice(300);
    storeSlice(300);
    const totals = { path: [0, 0], store: [0, 0] };
    for (let round = 0; round < ROUNDS; round++) {
      const p = await pathSlice((2 * ms) / ROUNDS);
      const s = storeSlice((2 * ms) / ROUNDS);
      totals.path = [totals.path[0]! + p[0], totals.path[1]! + p[1]];
      totals.store = [totals.store[0]! + s[0], totals.store[1]! + s[1]];
    }
    const rate = (t: number[]) => (t[0]! * 1000) / t[1]!;
    report.add({
      name: 'e2e.readings_per_s',
      value: rate(totals.path),
      unit: `readings/s stored through one gateway and one cloud (${LOAD_DEVICES} devices, batches of ${batch}, stop-and-wait)`,
      ceiling: { name: 'store alone, same batches', value: rate(totals.store) },
    });
    // Exactly once, as stored: every device's seqs 0..next-1, each once.
    let wrong = 0;
    for (const d of fleet.devices) {
      const stats = cloud.node.store.readingStats(d.identity.id);
      wrong += Math.abs(d.next - stats.distinctSeqs) + (stats.count - stats.distinctSeqs);
    }
    report.add({ name: 'e2e.readings_lost_or_duplicated', value: wrong, unit: `readings missing or stored twice in that run (${fleet.devices.reduce((n, d) => n + d.next, 0)} sent)` });
  } finally {
    load?.close();
    alone?.close();
    await gateway?.close();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchHandshake(report: BenchReport): Promise<void> {
  let booted = 0;
  let established = 0;
  let phase: { end(): MeterTotals } | undefined;
  // Assigned before the line the callback waits for can be printed (start() returns at boot).
  let fleet: LiveFleet | undefined = undefined;
  fleet = await LiveFleet.start({
    devices: [{ engine: 'xs', link: 'wire' }],
    meterUnitsPerMs: ESP32_METER_UNITS_PER_MS,
    // One reading, taken at boot: the rest of the phase is the handshake.
    intervalMs: 600_000,
    // World times: boot returns at once on the host, but the device computes its provisioning
    // (key generation, attestation) for seconds after; the handshake starts when it is free.
    onBooted: (m) => {
      booted = m.device.freeAt;
      phase = m.device.measure();
    },
    onDeviceLine: (_, line) => {
      if (established === 0 && line.includes('channel established')) established = fleet?.world.now() ?? NaN;
    },
  });
  try {
    await until('the XS device\'s channel', () => established > 0, 120_000);
    // The turn that printed it ends before its status is read: the phase has all of it.
    await fleet.members[0]!.device.status();
    const totals = phase!.end();
    report.add({
      name: 'e2e.handshake_wall_ms',
      value: established - booted,
      unit: 'ms first-contact handshake device -> gateway -> cloud (XS device at ESP32 speed, UART link)',
      ceiling: { name: "the device's own compute in it", value: totals.busyMs },
    });
    report.add({ name: 'e2e.handshake_xs_meter_units', value: totals.compute, unit: `meter units on the device (${totals.cranks} events, its UART link included)` });
  } finally {
    await fleet.stop();
    rmSync(fleet.workDir, { recursive: true, force: true });
  }
}

export async function benchE2e(report: BenchReport, ms: number): Promise<void> {
  report.section('Whole path (device -> UART -> gateway -> TCP -> cloud -> SQLite, one process)');
  await benchLatency(report);
  await benchThroughput(report, ms);
  await benchHandshake(report);
}
