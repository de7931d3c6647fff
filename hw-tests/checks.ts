/**
 * The properties every scenario checks, in one place so each is stated once:
 * - exactly once: what the cloud stored of a device is every seq from 0 up, each once, and
 *   covers everything the device was told is stored (below its floor);
 * - genuine: every stored reading is one the device's sensor could have made (names, ranges,
 *   two decimals, uptime ascending with seq), so a corrupted or forged reading that got past the
 *   channel would show;
 * and the waits, which fail with what they were waiting for and what they saw last.
 */
import { strict as assert } from 'node:assert';
import type { StoredReading } from '../cloud/storage/store.ts';
import { FORGED_SEQ_BASE } from './forgeries.ts';
import type { DeviceStatus, Rig, RigDevice } from './target.ts';

// Our limits.
const POLL_MS = 50;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `condition` until it holds; throws after `timeoutMs`, naming `what` and `seen()`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, seen?: () => unknown): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= until) {
      const last = seen === undefined ? '' : `; last seen: ${JSON.stringify(await seen())}`;
      throw new assert.AssertionError({ message: `timed out after ${timeoutMs} ms waiting for ${what}${last}` });
    }
    await sleep(POLL_MS);
  }
}

/** The device's status; fails when it cannot be asked. */
export async function statusOf(d: RigDevice): Promise<DeviceStatus> {
  const s = await d.status();
  assert.ok(s !== undefined, `${d.name}: no status (no channel to ask it through)`);
  return s;
}

/** Both ends agree the channel is up: the cloud holds one for the device and the device says so. */
export async function waitEstablished(rig: Rig, d: RigDevice, timeoutMs: number): Promise<DeviceStatus> {
  let last: DeviceStatus | undefined;
  await waitFor(`${d.name}: channel established at both ends`, async () => {
    if (rig.cloud.listener.channelOf(d.identifier) === undefined) return false;
    last = await d.status();
    return last?.channel === 'established';
  }, timeoutMs, () => ({ status: last, lines: d.lines.slice(-5) }));
  return last!;
}

/** Waits until the cloud has stored at least `n` readings of the device. */
export function waitStored(rig: Rig, d: RigDevice, n: number, timeoutMs: number): Promise<void> {
  return waitFor(`${d.name}: ${n} readings stored`, () => rig.stored(d.identifier).count >= n, timeoutMs, () => ({ stored: rig.stored(d.identifier), lines: d.lines.slice(-5) }));
}

/**
 * The newest seq stored before each status report was asked for. A board's report comes
 * through its channel, and readings it took after answering may be stored by the time the
 * report is checked: only what was stored before asking is bound to be below its `seq`.
 */
const storedWhenAsked = new WeakMap<DeviceStatus, number>();

async function askStatus(rig: Rig, d: RigDevice): Promise<DeviceStatus | undefined> {
  const stored = rig.stored(d.identifier).maxSeq;
  const status = await d.status();
  if (status !== undefined) storedWhenAsked.set(status, stored);
  return status;
}

/** Waits until everything the device had produced when called is stored and acknowledged. */
export async function waitCaughtUp(rig: Rig, d: RigDevice, timeoutMs: number): Promise<DeviceStatus> {
  const until = Date.now() + timeoutMs;
  let last: DeviceStatus | undefined;
  // A board is asked through its channel, which may still be finding its way back (a gateway
  // came back and the cloud learns the new route from the board's next message).
  await waitFor(`${d.name}: a status report`, async () => (last = await askStatus(rig, d)) !== undefined, timeoutMs);
  const produced = last!.seq;
  await waitFor(`${d.name}: readings below seq ${produced} stored and acknowledged`, async () => {
    if (rig.stored(d.identifier).maxSeq + 1 < produced) return false;
    last = await askStatus(rig, d);
    // The floor passes a seq once the cloud's acknowledgement covered it.
    return last !== undefined && last.floor >= produced;
  }, Math.max(0, until - Date.now()), () => ({ stored: rig.stored(d.identifier), status: last }));
  return last!;
}

/**
 * Stored exactly once, nothing missing: consecutive seqs each once (from 0 for a fresh device),
 * covering everything the device was told is stored (below its floor, with nothing dropped).
 */
export function assertExactlyOnce(rig: Rig, d: RigDevice, status: DeviceStatus, fresh: boolean): void {
  // Every reading of the device the store holds (a board's from earlier rigs too), not this
  // rig's counts: the whole history must be exactly once.
  const seqs = rig.cloud.store.readings({ device: d.identifier, limit: 100_000 }).map((r) => r.seq);
  assert.ok(seqs.length > 0, `${d.name}: nothing stored`);
  const first = Math.min(...seqs);
  const s = { count: seqs.length, distinctSeqs: new Set(seqs).size, maxSeq: Math.max(...seqs) };
  const seen = JSON.stringify({ ...s, first });
  assert.equal(s.count, s.distinctSeqs, `${d.name}: a reading stored twice (${seen})`);
  assert.equal(s.distinctSeqs, s.maxSeq - first + 1, `${d.name}: a gap in the stored seqs (${seen})`);
  if (fresh) assert.equal(first, 0, `${d.name}: a fresh device's first reading is seq 0`);
  assert.equal(status.dropped, 0, `${d.name}: its buffer overflowed and gave readings up`);
  assert.ok(s.maxSeq + 1 >= status.floor, `${d.name}: acknowledged everything below ${status.floor}, stored only to ${s.maxSeq}`);
  const storedThen = storedWhenAsked.get(status) ?? s.maxSeq;
  assert.ok(storedThen < status.seq, `${d.name}: stored seq ${storedThen}, which the device had not produced (next ${status.seq})`);
}

const NAMES = ['temperature_c', 'humidity_pct', 'battery_v'];
/** What firmware/sensor/simulated.ts can produce (the board runs it too when it has no sensor). */
const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  temperature_c: [15, 27],
  humidity_pct: [30, 60],
  battery_v: [3.3, 4.15],
};

/** Every stored reading of the device is one its sensor could have made. */
export function assertGenuine(rig: Rig, d: RigDevice): StoredReading[] {
  const readings = rig.cloud.store.readings({ device: d.identifier, limit: 100_000 }).sort((a, b) => a.seq - b.seq);
  let previous: StoredReading | undefined;
  for (const r of readings) {
    const where = `${d.name} seq ${r.seq}`;
    assert.ok(r.seq < FORGED_SEQ_BASE, `${where}: a forged reading was stored`);
    assert.deepEqual(r.values.map(([name]) => name), NAMES, `${where}: values ${JSON.stringify(r.values)}`);
    for (const [name, value] of r.values) {
      const [lo, hi] = RANGES[name]!;
      assert.ok(value >= lo && value <= hi && Math.round(value * 100) / 100 === value, `${where}: ${name} = ${value} is no reading of this sensor`);
    }
    if (previous !== undefined) assert.ok(r.uptimeMs > previous.uptimeMs, `${where}: uptime ${r.uptimeMs} not after seq ${previous.seq}'s ${previous.uptimeMs}`);
    previous = r;
  }
  return readings;
}

/** Both properties of what the cloud stored of the device. */
export function assertDelivered(rig: Rig, d: RigDevice, status: DeviceStatus, fresh: boolean): void {
  assertExactlyOnce(rig, d, status, fresh);
  assertGenuine(rig, d);
}

/** Waits until the device has caught up, then checks what was stored; returns its status. */
export async function assertSettled(rig: Rig, d: RigDevice, timeoutMs: number, fresh: boolean): Promise<DeviceStatus> {
  const status = await waitCaughtUp(rig, d, timeoutMs);
  assertDelivered(rig, d, status, fresh);
  return status;
}

/** The cloud's current channel to the device (its id, route and counters). */
export function channelAt(rig: Rig, d: RigDevice) {
  return rig.cloud.status().find((c) => c.identifier === d.identifier);
}
