/**
 * `burrow gateway run|status`: runs the gateway service, or shows a running one's links,
 * devices, upstreams and counters (from its HTTP /status endpoint).
 */
import { parseArgs } from 'node:util';
import { BurrowError } from '../protocol/errors.ts';
import { readConfigFile, validateConfig } from '../gateway/config.ts';
import { formatStatus } from './gateway-status.ts';

const USAGE = `Usage:
  burrow gateway run [--config file.yaml] [options]   run the gateway service
  burrow gateway status [--http host:port | --config file.yaml] [--json]

Options for run (each overrides the config file):
  --upstream tcp:host:port   an allowed upstream (repeat for several; replaces the file's list)
  --ble-adapter hci|sim:<endpoint>   BLE adapter (enables BLE)     --no-ble   disable BLE
  --max-links N              BLE devices at once
  --serial path[@baud]       a serial port (repeat; replaces the file's list)
  --queue-disk file          keep the store-and-forward queue on disk
  --http host:port           metrics, health and status endpoint (default 127.0.0.1:9464)
  --log-level level          trace|debug|info|warn|error|fatal|silent
  --name text                the gateway's name in logs`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  upstream: { type: 'string', multiple: true },
  'ble-adapter': { type: 'string' },
  'no-ble': { type: 'boolean' },
  'max-links': { type: 'string' },
  serial: { type: 'string', multiple: true },
  'queue-disk': { type: 'string' },
  http: { type: 'string' },
  'log-level': { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** A flag's text as the config file would hold it: digits become a number for the schema. */
function scalar(text: string): string | number {
  return /^\d{1,15}$/.test(text) ? Number(text) : text;
}

function section(document: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = document[key];
  const copy = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? { ...(existing as Record<string, unknown>) } : {};
  document[key] = copy;
  return copy;
}

/** Merges flags over the file's document; validation afterwards checks both alike. */
export function applyFlags(file: Record<string, unknown>, flags: Flags): Record<string, unknown> {
  const document = { ...file };
  if (flags.upstream !== undefined) document['upstreams'] = flags.upstream;
  if (flags.name !== undefined) document['name'] = flags.name;
  if (flags['ble-adapter'] !== undefined) Object.assign(section(document, 'ble'), { adapter: flags['ble-adapter'], enabled: true });
  if (flags['max-links'] !== undefined) section(document, 'ble')['maxLinks'] = scalar(flags['max-links']);
  if (flags['no-ble'] === true) section(document, 'ble')['enabled'] = false;
  if (flags.serial !== undefined) {
    document['serial'] = flags.serial.map((spec) => {
      const at = spec.lastIndexOf('@');
      return at < 0 ? { path: spec } : { path: spec.slice(0, at), baudRate: scalar(spec.slice(at + 1)) };
    });
  }
  if (flags['queue-disk'] !== undefined) section(document, 'queue')['disk'] = flags['queue-disk'];
  if (flags.http !== undefined) section(document, 'http')['listen'] = flags.http;
  if (flags['log-level'] !== undefined) section(document, 'log')['level'] = flags['log-level'];
  return document;
}

async function runGateway(flags: Flags): Promise<number> {
  const config = validateConfig(applyFlags(flags.config === undefined ? {} : readConfigFile(flags.config), flags), flags.config ?? 'gateway flags');
  const [{ Gateway }, { gatewayLogger }] = await Promise.all([import('../gateway/gateway.ts'), import('../gateway/log.ts')]);
  const log = gatewayLogger(config.name, config.log.level);
  const gateway = await Gateway.start(config, { log });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await gateway.close();
  // noble's HCI binding keeps its socket and exit hooks: do not let it hold the process.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}

async function showStatus(flags: Flags): Promise<number> {
  let listen = flags.http;
  if (listen === undefined && flags.config !== undefined) listen = validateConfig(applyFlags(readConfigFile(flags.config), {}), flags.config).http.listen;
  listen ??= '127.0.0.1:9464';
  let response: Response;
  try {
    response = await fetch(`http://${listen}/status`, { signal: AbortSignal.timeout(3000) });
  } catch {
    console.error(`burrow gateway: no gateway answering on ${listen}`);
    return 1;
  }
  if (!response.ok) {
    console.error(`burrow gateway: ${listen}/status answered ${response.status}`);
    return 1;
  }
  const status = (await response.json()) as Parameters<typeof formatStatus>[0];
  console.log(flags.json === true ? JSON.stringify(status, null, 2) : formatStatus(status));
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  let flags: Flags;
  try {
    flags = parseArgs({ args: rest, options: OPTIONS, strict: true }).values;
  } catch (error) {
    console.error(`burrow gateway: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help === true || sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  try {
    if (sub === 'run') return await runGateway(flags);
    if (sub === 'status') return await showStatus(flags);
  } catch (error) {
    if (error instanceof BurrowError) {
      console.error(`burrow gateway: ${error.message}`);
      return 2;
    }
    throw error;
  }
  console.error(`burrow gateway: unknown subcommand '${sub}'\n\n${USAGE}`);
  return 2;
}
