/**
 * `burrow fleet --devices N`: N simulated ESP32s running the real firmware bundle (Node engine
 * by default), each on its own UART link (the gateway's real SerialLink over an in-memory
 * cable), through one gateway to one cloud with its SQLite store, all in this process
 * (simulators/stack/live-fleet.ts). Prints progress while the devices boot, a status line every
 * few seconds, and at the end the verdict of simulators/stack/fleet-verdict.ts: exit 0 when
 * every acknowledged reading is stored exactly once, 1 otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fleetVerdict, type FleetVerdict } from '../simulators/stack/fleet-verdict.ts';
import { LiveFleet, type StartProgress } from '../simulators/stack/live-fleet.ts';
import { durationFlag, integerFlag, parseCommandLine, UsageError } from './args.ts';

const USAGE = `Usage:
  burrow fleet [--devices N] [--duration 60s] [--engine node|xs] [--interval ms]
               [--start-window N] [--work-dir DIR] [--json]

Runs N simulated devices through one gateway to one cloud in this process and checks the
cloud's store at the end: every reading a device was told is stored must be there, once.

  --devices       how many devices (default 100; 1 to 10000)
  --duration      how long to run once all devices have booted: 90s, 5m, 1h (default 60s)
  --engine        node (default): the firmware bundle in a vm context per device, thousands fit;
                  xs: one xsnap-worker process (the real XS engine) per device
  --interval      each device's reporting interval in ms (default 10000, the firmware's; min 1000)
  --start-window  at most this many devices booting and handshaking at once (default 32): the
                  simulated devices share this host's CPU, real ones each have their own
  --work-dir      keep the cloud database, device NVS and state here (default: a temp dir, removed)
  --json          the verdict as JSON on stdout (progress and status go to stderr)

Exit status: 0 when nothing was lost or duplicated, 1 otherwise, 2 for bad arguments.`;

const OPTIONS = {
  devices: { type: 'string' },
  duration: { type: 'string' },
  engine: { type: 'string' },
  interval: { type: 'string' },
  'start-window': { type: 'string' },
  'work-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

// Our limits.
/** Between status lines. */
const STATUS_MS = 5_000;
/** Between progress lines while devices start. */
const PROGRESS_MS = 2_000;
const MAX_DURATION_MS = 7 * 86_400_000;


const n = (v: number) => v.toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

/** Host load over the run: CPU time of this process (all threads) per wall second, peak RSS. */
class HostMeter {
  private readonly cpu0 = process.cpuUsage();
  private readonly wall0 = performance.now();
  peakRss = 0;

  sample(): { rss: number; cpuPct: number } {
    const rss = process.memoryUsage().rss;
    this.peakRss = Math.max(this.peakRss, rss);
    return { rss, cpuPct: this.cpuPct() };
  }

  cpuPct(): number {
    const { user, system } = process.cpuUsage(this.cpu0);
    return (100 * (user + system)) / 1000 / Math.max(1, performance.now() - this.wall0);
  }
}

function progressLine(p: StartProgress): string {
  if (p.booted === 0) return `created ${n(p.created)}/${n(p.total)} devices`;
  return `started ${n(p.booted)}/${n(p.total)} devices (${n(p.established)} channels up)`;
}

function verdictLines(v: FleetVerdict, seconds: number): string[] {
  const lines = [
    `verdict: ${v.ok ? 'OK' : 'FAIL'}: ${n(v.devices)} devices (${n(v.withChannel)} with a channel), ${seconds.toFixed(0)} s: ` +
      `stored ${n(v.stored)} readings, lost ${n(v.lost)}, duplicated ${n(v.duplicated)}`,
    `  sent ${n(v.sent)} readings (${n(v.perDevice.minSent)}-${n(v.perDevice.maxSent)} per device), acknowledged ${n(v.acknowledged)}, in flight ${n(v.inFlight)}`,
    `  stored ${n(v.perDevice.minStored)}-${n(v.perDevice.maxStored)} per device; dropped by full device buffers ${n(v.dropped)}, stored but never sent ${n(v.unexpected)}, simulator faults ${n(v.faults)}`,
  ];
  for (const d of v.failing.slice(0, 10)) {
    lines.push(`  ${d.name} ${d.identifier}: channel ${d.channel}, sent ${d.sent}, acknowledged ${d.acknowledged}, stored ${d.stored}, lost ${d.lost}, duplicated ${d.duplicated}, dropped ${d.dropped}, unexpected ${d.unexpected}`);
  }
  if (v.failing.length > 10) lines.push(`  … and ${v.failing.length - 10} more devices`);
  return lines;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS, USAGE);
  if (parsed === undefined) return 0;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  const v = parsed.values;
  const count = integerFlag(v.devices, 'devices', 100, 1, 10_000);
  const durationMs = v.duration === undefined ? 60_000 : durationFlag(v.duration, 'duration', 1000, MAX_DURATION_MS);
  const engine = v.engine ?? 'node';
  if (engine !== 'node' && engine !== 'xs') throw new UsageError(`--engine must be node or xs, got '${engine}'`);
  const intervalMs = integerFlag(v.interval, 'interval', 10_000, 1_000, 86_400_000);
  const startWindow = integerFlag(v['start-window'], 'start-window', 32, 1, 10_000);
  const json = v.json ?? false;
  const say = (line: string) => (json ? console.error(line) : console.log(line));
  const workDir = v['work-dir'] === undefined ? mkdtempSync(join(tmpdir(), 'burrow-fleet-')) : resolve(v['work-dir']);

  let stopping = false;
  let wake = () => {};
  const stop = () => {
    stopping = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const host = new HostMeter();
  say(`burrow fleet: ${n(count)} ${engine} devices on UART links, one gateway, one cloud (${cpus().length} CPUs here); work dir ${workDir}`);
  let lastProgress = 0;
  const began = performance.now();
  let fleet: LiveFleet | undefined;
  try {
    fleet = await LiveFleet.start({
      devices: Array.from({ length: count }, () => ({ engine, link: 'wire' as const })),
      workDir,
      intervalMs,
      startWindow,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < PROGRESS_MS) return;
        lastProgress = now;
        say(progressLine(p));
      },
    });
    const startS = (performance.now() - began) / 1000;
    say(`all ${n(count)} devices started in ${startS.toFixed(1)} s; running for ${(durationMs / 1000).toFixed(0)} s`);
    const runFrom = performance.now();
    const telemetry = fleet.cloud.node.telemetry.counters;
    let storedBefore = telemetry.stored;
    let statusAt = runFrom;
    // Timers may fire a millisecond early: a sliver left is the end, not another round.
    for (let left = durationMs; !stopping && left > 50; left = durationMs - (performance.now() - runFrom)) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(STATUS_MS, left));
        wake = () => (clearTimeout(t), r());
      });
      const now = performance.now();
      const rate = ((telemetry.stored - storedBefore) * 1000) / Math.max(1, now - statusAt);
      storedBefore = telemetry.stored;
      statusAt = now;
      const { rss, cpuPct } = host.sample();
      say(`[${((now - runFrom) / 1000).toFixed(0).padStart(4)} s] channels ${n(fleet.cloud.node.listener.channelCount)}/${n(count)} up, ` +
        `stored ${n(telemetry.stored)} readings (${rate.toFixed(1)}/s), duplicates refused ${n(telemetry.duplicates)}, rss ${mb(rss)}, cpu ${cpuPct.toFixed(0)}%`);
    }
    const seconds = (performance.now() - runFrom) / 1000;
    const verdict = await fleetVerdict(fleet);
    const { rss, cpuPct } = host.sample();
    if (json) {
      const { failing, ...totals } = verdict;
      console.log(JSON.stringify({ ...totals, engine, intervalMs, seconds: Math.round(seconds), startSeconds: Math.round(startS), peakRssBytes: host.peakRss, cpuPct: Math.round(cpuPct), failing: failing.slice(0, 100) }, null, 2));
    }
    for (const line of verdictLines(verdict, seconds)) say(line);
    const xsNote = engine === 'xs' ? ' (this process; each XS device runs in its own)' : '';
    say(`  host: start ${startS.toFixed(0)} s, rss ${mb(rss)} (peak ${mb(host.peakRss)}), cpu ${cpuPct.toFixed(0)}% of one core on average${xsNote}`);
    return verdict.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await fleet?.stop();
    if (v['work-dir'] === undefined) rmSync(workDir, { recursive: true, force: true });
  }
}
