/**
 * `burrow demo` (what `npm start` runs): a live fleet on this machine with no setup. A cloud
 * service on a fresh data directory, one gateway, and simulated ESP32s running the real
 * firmware (XS by default): BLE devices found by the gateway's real noble central on the
 * simulated radio, and serial devices on real ptys opened with serialport. Devices are enrolled
 * from the identifier they print, handshake end to end through the gateway (and a relay with
 * --relay), stream telemetry, and each answers downlink commands. The terminal shows what each
 * party sees; Ctrl-C (or --duration) stops everything and prints a verdict.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ESP32_METER_UNITS_PER_MS } from '../simulators/device/cpu-model.ts';
import { LiveFleet, type DeviceSpec, type FleetMember } from '../simulators/stack/live-fleet.ts';
import { durationFlag, integerFlag, parseCommandLine, UsageError } from './args.ts';
import { DemoCommands } from './demo-commands.ts';
import { StatusScreen, type DemoSnapshot, type DeviceRow, type FrameRow } from './demo-view.ts';

const USAGE = `Usage: burrow demo [--ble 2] [--serial 1] [--engine xs|node] [--cpu esp32|host] [--relay]
                   [--interval 2000] [--duration 60s] [--data DIR]

Runs a demo fleet end to end on this machine: cloud service, gateway, and simulated ESP32s
running the real firmware. Everything is enrolled automatically; Ctrl-C stops it.

  --ble N        devices on the simulated BLE radio, found by the gateway's noble central (default 2)
  --serial N     devices on serial ptys (socat), opened by the gateway with serialport (default 1)
  --engine E     xs: the firmware on the real XS engine (default); node: the same bundle in Node
  --cpu C        esp32: XS devices compute at an ESP32's speed, so a handshake takes seconds
                 (default); host: as fast as this machine
  --relay        route device -> gateway -> relay -> cloud; the cloud opens no port
  --interval MS  reporting interval of every device (default 2000)
  --duration T   stop after T (90s, 5m; a bare number is seconds) and exit 1 unless every device
                 delivered (default: until Ctrl-C)
  --data DIR     where the cloud's database, logs and device NVS go (default: a new temp dir)`;

// Our limits.
/** Redraw period of the status screen. */
const REFRESH_MS = 1000;
/** The demo fleet is for one screen; `burrow fleet` is for many devices. */
const MAX_DEVICES = 16;

function hasSocat(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    ble: { type: 'string' }, serial: { type: 'string' }, engine: { type: 'string' }, cpu: { type: 'string' },
    relay: { type: 'boolean' }, interval: { type: 'string' }, duration: { type: 'string' }, data: { type: 'string' },
  }, USAGE);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  const ble = integerFlag(v.ble, 'ble', 2, 0, MAX_DEVICES);
  const serial = integerFlag(v.serial, 'serial', 1, 0, MAX_DEVICES);
  if (ble + serial === 0) throw new UsageError('a fleet needs at least one device (--ble or --serial)');
  if (ble + serial > MAX_DEVICES) throw new UsageError(`at most ${MAX_DEVICES} devices in the demo; burrow fleet runs many more`);
  const engine = v.engine ?? 'xs';
  if (engine !== 'xs' && engine !== 'node') throw new UsageError('--engine must be xs or node');
  const cpu = v.cpu ?? 'esp32';
  if (cpu !== 'esp32' && cpu !== 'host') throw new UsageError('--cpu must be esp32 or host');
  const intervalMs = integerFlag(v.interval, 'interval', 2000, 1000, 3_600_000);
  const durationMs = v.duration === undefined ? undefined : durationFlag(v.duration, 'duration', 1000, 86_400_000);

  const notes: string[] = [];
  const socat = serial === 0 || hasSocat();
  if (!socat) notes.push('socat is not installed: serial devices use an in-memory cable to the gateway\'s serial link (apt-get install socat for real ptys)');
  const devices: DeviceSpec[] = [
    ...Array.from({ length: ble }, (): DeviceSpec => ({ engine, link: 'ble' })),
    ...Array.from({ length: serial }, (): DeviceSpec => ({ engine, link: socat ? 'serial' : 'wire' })),
  ];
  const workDir = v.data ?? mkdtempSync(join(tmpdir(), 'burrow-demo-'));
  const logFile = join(workDir, 'demo.log');
  const out = process.stdout;
  out.write(`Burrow demo: starting a cloud, a gateway and ${devices.length} simulated ESP32s (${engine === 'xs' ? 'firmware on the XS engine' : 'firmware in Node'})...\n`);
  out.write(`  data and logs in ${workDir}\n`);

  const consoleLines: string[] = [];
  let fleet: LiveFleet;
  try {
    fleet = await LiveFleet.start({
      devices,
      workDir,
      intervalMs,
      meterUnitsPerMs: cpu === 'esp32' ? ESP32_METER_UNITS_PER_MS : 0,
      relay: v.relay ?? false,
      log: pino({ level: 'info' }, createWriteStream(logFile, { flags: 'a', mode: 0o600 })),
      onDeviceLine: (device, line) => consoleLines.push(`${device}: ${line.replace(/^burrow: /, '')}`),
    });
  } catch (e) {
    console.error(`burrow demo: could not start the fleet: ${e instanceof Error ? e.message : String(e)} (log: ${logFile})`);
    return 1;
  }
  const started = Date.now();
  const commands = new DemoCommands(fleet);
  const frames = watchFrames(fleet);
  const screen = new StatusScreen(out, 5000);
  const path = v.relay ? 'device -> BLE/UART -> gateway -> TCP -> relay -> TCP (outgoing) -> cloud' : 'device -> BLE/UART -> gateway -> TCP -> cloud';
  notes.push(`try meanwhile: npx burrow readings --data ${join(workDir, 'cloud')} --follow`);

  const snapshot = async (): Promise<DemoSnapshot> => {
    frames.attach();
    const rows: DeviceRow[] = [];
    for (const m of fleet.members) rows.push(await deviceRow(fleet, m));
    const g = fleet.gateway.status();
    const sum = (f: (d: (typeof g.devices)[number]) => number) => g.devices.reduce((n, d) => n + f(d), 0);
    return {
      elapsedS: (Date.now() - started) / 1000,
      cloud: {
        identifier: fleet.cloud.node.identity.id,
        listening: fleet.cloud.reachableAt,
        channels: fleet.cloud.node.status().length,
        stored: rows.reduce((n, r) => n + r.stored, 0),
      },
      path,
      devices: rows,
      gateway: {
        links: g.devices.filter((d) => d.up).length,
        framesUp: sum((d) => d.counters.framesUp), framesDown: sum((d) => d.counters.framesDown),
        bytesUp: sum((d) => d.counters.bytesUp), bytesDown: sum((d) => d.counters.bytesDown),
        dropped: sum((d) => Object.values(d.counters.drops).reduce((a, b) => a + b, 0)),
      },
      frames: frames.recent(),
      commands: commands.lines(),
      notes: [...notes, ...consoleLines.slice(-3)],
    };
  };

  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => { if (!stopping) { stopping = true; resolve(); } };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (durationMs !== undefined) setTimeout(stop, durationMs).unref();
  });
  const tick = async () => {
    commands.poll();
    screen.show(await snapshot(), Date.now());
  };
  await tick();
  const timer = setInterval(() => void tick().catch((e) => notes.push(`status failed: ${String(e)}`)), REFRESH_MS);
  await stopped;
  clearInterval(timer);
  const final = await snapshot();
  const commandCounts = commands.summary();
  out.write('\nstopping...\n');
  await fleet.stop();
  return printVerdict(final, commandCounts, fleet.errors.length, workDir);
}

async function deviceRow(fleet: LiveFleet, m: FleetMember): Promise<DeviceRow> {
  const status = await m.device.status();
  const stats = fleet.stored(m.identifier);
  const last = fleet.cloud.node.store.readings({ device: m.identifier, limit: 1, newest: true })[0];
  return {
    name: m.name,
    engine: m.spec.engine,
    link: String((status['links'] as readonly string[] | undefined)?.join(',') ?? m.spec.link),
    identifier: m.identifier,
    channel: String(status['channel']),
    stored: stats.count,
    duplicated: stats.count - stats.distinctSeqs,
    lastReading: last === undefined ? '-' : `#${last.seq} ${last.values.map(([k, x]) => `${k}=${x}`).join(' ')}`,
  };
}

/** The gateway's view of traffic: a size per routed message, in each direction. */
function watchFrames(fleet: LiveFleet) {
  const seen = new WeakSet<object>();
  const names = new Map(fleet.members.map((m) => [m.linkKey, m.name]));
  const rows: FrameRow[] = [];
  return {
    attach() {
      for (const link of fleet.gateway.links.all()) {
        if (seen.has(link)) continue;
        seen.add(link);
        link.on('frame', (direction: 'up' | 'down', bytes: number) => {
          rows.push({ at: Date.now(), direction, device: names.get(link.key) ?? link.key, bytes });
          if (rows.length > 50) rows.splice(0, rows.length - 50);
        });
      }
    },
    recent: () => rows.slice(-6),
  };
}

function printVerdict(s: DemoSnapshot, c: ReturnType<DemoCommands['summary']>, simulatorErrors: number, workDir: string): number {
  const out: string[] = ['', 'Burrow demo: summary'];
  let ok = simulatorErrors === 0;
  for (const d of s.devices) {
    ok &&= d.stored > 0 && d.duplicated === 0;
    const once = d.duplicated === 0 ? 'each once' : `${d.duplicated} DUPLICATED`;
    out.push(`  ${d.name.padEnd(14)} ${d.identifier}  channel ${d.channel.padEnd(11)} ${String(d.stored).padStart(4)} readings stored, ${once}`);
  }
  ok &&= c.failed === 0;
  out.push(`  downlink commands: ${c.done} answered, ${c.pending} pending, ${c.failed} failed`);
  out.push(`  gateway carried ${s.gateway.framesUp} frames up (${s.gateway.bytesUp} B) and ${s.gateway.framesDown} down (${s.gateway.bytesDown} B), all ciphertext; dropped ${s.gateway.dropped}`);
  if (simulatorErrors > 0) out.push(`  ${simulatorErrors} simulator errors (see ${join(workDir, 'demo.log')})`);
  out.push(ok ? 'every device handshook end to end and delivered its readings' : 'NOT every device delivered: see the log');
  console.log(out.join('\n'));
  return ok ? 0 : 1;
}
