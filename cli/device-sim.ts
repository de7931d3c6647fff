/**
 * `burrow device-sim`: simulated ESP32s running the real firmware bundle, on links a real
 * gateway opens (a pty per device, or the simulated BLE radio). Prints each device's identifier
 * (enroll it with `burrow enroll`) and what it does, until interrupted.
 *
 * `burrow device-sim bundle --out <dir>` writes the firmware as the ES modules the Moddable
 * manifests build (firmware/README.md, "Flash an ESP32").
 */
import { join, resolve } from 'node:path';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { bundleFirmwareForModdable, MODDABLE_MODULES } from '../simulators/device/bundle.ts';
import { ESP32_METER_UNITS_PER_MS } from '../simulators/device/cpu-model.ts';
import { startFleet, type FleetLink } from '../simulators/device/fleet.ts';
import { integerFlag, parseCommandLine, UsageError } from './args.ts';

const USAGE = `Usage:
  burrow device-sim --trust-anchor <id> [--engine xs|node] [--link serial[:<pty path>]|ble]
                    [--count N] [--route <route>] [--interval <ms>] [--radio <endpoint>]
                    [--state <dir>] [--clock] [--cpu esp32|host]
  burrow device-sim bundle [--out <dir>] [--minify]

  --trust-anchor  the cloud's identifier (burrow identity show): the only responder devices accept
  --engine        xs: one xsnap-worker (the real XS engine) per device; node: all in this process
  --link          serial: each device's UART on a pty (default /tmp/burrow-dev, -<i> per device)
                  ble: each device a peripheral on the simulated radio at --radio
  --route         default 'uart:gw => tcp:127.0.0.1:4000 => api' (ble:gw for --link ble)
  --state         NVS files, so identities survive restarts (default .burrow/devices)
  --clock         give devices the host's wall clock (default: none, as a board without SNTP)
  --cpu           esp32 (default): time the XS meter as an ESP32 would spend it; host: no model`;

const OPTIONS = {
  'trust-anchor': { type: 'string' },
  engine: { type: 'string' },
  link: { type: 'string' },
  count: { type: 'string' },
  route: { type: 'string' },
  interval: { type: 'string' },
  radio: { type: 'string' },
  state: { type: 'string' },
  clock: { type: 'boolean' },
  cpu: { type: 'string' },
  out: { type: 'string' },
  minify: { type: 'boolean' },
} as const;

function parseLink(text: string | undefined, radio: string | undefined): FleetLink {
  const link = text ?? 'serial';
  if (link === 'serial') return { kind: 'serial', path: '/tmp/burrow-dev' };
  if (link.startsWith('serial:') && link.length > 7) return { kind: 'serial', path: resolve(link.slice(7)) };
  if (link === 'ble') {
    if (radio === undefined) throw new UsageError('--link ble needs --radio <endpoint> (the simulated radio hub)');
    return { kind: 'ble', endpoint: radio };
  }
  throw new UsageError(`--link must be serial, serial:<path> or ble, got '${link}'`);
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS, USAGE);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  if (parsed.positionals[0] === 'bundle') {
    const dir = resolve(v.out ?? 'build/firmware');
    for (const module of Object.keys(MODDABLE_MODULES) as (keyof typeof MODDABLE_MODULES)[]) {
      const file = join(dir, `${module}.js`);
      const bytes = await bundleFirmwareForModdable(file, { module, minify: v.minify ?? false });
      console.log(`wrote ${file} (${bytes} bytes)`);
    }
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  const anchor = v['trust-anchor'];
  if (anchor === undefined) throw new UsageError(`--trust-anchor is required\n\n${USAGE}`);
  try {
    parseIdentifier(anchor);
  } catch {
    throw new UsageError('--trust-anchor must be an identifier (I and 40 hex digits)');
  }
  const engine = v.engine ?? 'xs';
  if (engine !== 'xs' && engine !== 'node') throw new UsageError('--engine must be xs or node');
  const cpu = v.cpu ?? 'esp32';
  if (cpu !== 'esp32' && cpu !== 'host') throw new UsageError('--cpu must be esp32 or host');
  const link = parseLink(v.link, v.radio);
  const kind = link.kind === 'serial' ? 'uart' : 'ble';
  const config: Record<string, unknown> = {
    route: v.route ?? `${kind}:gw => tcp:127.0.0.1:4000 => api`,
    trustAnchor: anchor,
    links: kind,
    intervalMs: integerFlag(v.interval, 'interval', 10_000, 1_000, 86_400_000),
    buildTime: Math.floor(Date.now() / 1000) - 86_400,
  };
  const fleet = await startFleet({
    engine,
    count: integerFlag(v.count, 'count', 1, 1, 10_000),
    link,
    config,
    stateDir: resolve(v.state ?? '.burrow/devices'),
    clock: v.clock ?? false,
    meterUnitsPerMs: cpu === 'esp32' ? ESP32_METER_UNITS_PER_MS : 0,
    out: (line) => console.log(line),
  });
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await fleet.close();
  return 0;
}
