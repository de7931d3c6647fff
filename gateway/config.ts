/**
 * The gateway's configuration: a YAML file validated against the schema below, with CLI
 * flags merged over it before validation (so a flag gets the same checks and messages as the
 * file). See gateway/README.md for an annotated example.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../protocol/errors.ts';
import { parseAddress, TransportType } from '../protocol/routing/address.ts';
import { parseHostPort } from '../transport-node/tcp.ts';
import { parseListen } from './http.ts';
import { array, boolean, type Infer, integer, object, oneOf, optional, parseWith, refine, string } from './schema.ts';

/** 16-bit ('180d') or 128-bit UUIDs, with or without dashes, as text; stored in noble's form. */
const uuid = refine(
  string({ pattern: /^([0-9a-fA-F]{4}|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$/, hint: "a UUID in quotes, e.g. '6e400001-b5a3-f393-e0a9-e50e24dcca9e'" }),
  (text) => text.replace(/-/g, '').toLowerCase(),
);

/** An allowed upstream, written 'tcp:host:port'; kept as the transport's key 'host:port'. */
const upstream = refine(string({ hint: "an upstream address 'tcp:host:port'" }), (text) => {
  const address = parseAddress(text);
  if (address.type !== TransportType.TCP) throw new ConfigError('CONFIG_INVALID', `upstream '${text}' must be a tcp: address`);
  const value = text.slice('tcp:'.length);
  parseHostPort(value);
  return value;
});

const listenAddress = refine(string({ hint: "'host:port'" }), (text) => {
  parseListen(text);
  return text;
});

const backoff = object({
  initialMs: optional(integer({ min: 10, max: 60_000 }), 500),
  maxMs: optional(integer({ min: 100, max: 3_600_000 }), 30_000),
});

/** The BLE adapter: 'hci' (noble's HCI socket binding) or 'sim:<radio endpoint>'. */
const adapter = string({ pattern: /^(hci|sim:.+)$/, hint: "'hci' or 'sim:<radio socket path or tcp:host:port>'" });

// Our limits.
/**
 * Serial ports one gateway opens. A Pi with USB hubs or multiport serial servers reaches
 * hundreds, and one gateway serves at least 1,000 devices (issue 5), each link a few KB of heap
 * (bench gateway.heap_bytes_per_link); the bound only stops a runaway generated config.
 */
export const MAX_SERIAL_PORTS = 4096;

export const BURROW_SERVICE_UUID = '6e400001b5a3f393e0a9e50e24dcca9e';

export const configSchema = object({
  name: optional(string({ pattern: /^[A-Za-z0-9._-]{1,64}$/, hint: 'a name of letters, digits, . _ -' }), 'gateway'),
  upstreams: array(upstream, { min: 1, max: 16 }),
  queue: optional(
    object({
      maxFrames: optional(integer({ min: 1, max: 10_000_000 }), 10_000),
      maxBytes: optional(integer({ min: 1024, max: 4 * 1024 ** 3 }), 16 * 1024 * 1024),
      perDevice: optional(integer({ min: 1, max: 10_000_000 }), 256),
      /** SQLite file: queued frames survive a restart. Omit for memory only. */
      disk: optional(string({ hint: 'a file path' })),
      reconnect: optional(backoff, { initialMs: 500, maxMs: 30_000 }),
    }),
    { maxFrames: 10_000, maxBytes: 16 * 1024 * 1024, perDevice: 256, reconnect: { initialMs: 500, maxMs: 30_000 } },
  ),
  downlink: optional(
    object({
      maxFrames: optional(integer({ min: 1, max: 10_000 }), 32),
      maxBytes: optional(integer({ min: 1024, max: 64 * 1024 * 1024 }), 32 * 1024),
    }),
    { maxFrames: 32, maxBytes: 32 * 1024 },
  ),
  ble: optional(
    object({
      enabled: optional(boolean(), true),
      adapter: optional(adapter, 'hci'),
      service: optional(uuid, BURROW_SERVICE_UUID),
      rx: optional(uuid, '6e400002b5a3f393e0a9e50e24dcca9e'),
      tx: optional(uuid, '6e400003b5a3f393e0a9e50e24dcca9e'),
      maxLinks: optional(integer({ min: 1, max: 64 }), 7),
      /** ATT MTU the gateway asks for (the simulated adapter; noble's HCI binding asks 256). */
      mtu: optional(integer({ min: 23, max: 517 }), 256),
      maxFragment: optional(integer({ min: 4, max: 512 })),
      namePrefix: optional(string()),
      devices: optional(array(string({ pattern: /^[0-9a-fA-F:]{12,17}$/, hint: "a peripheral id 'aabbccddeeff' or address" }))),
      forgetAfterSec: optional(integer({ min: 10, max: 7 * 86_400 }), 600),
      timeouts: optional(
        object({
          connectMs: optional(integer({ min: 100, max: 120_000 }), 10_000),
          discoverMs: optional(integer({ min: 100, max: 60_000 }), 5_000),
          subscribeMs: optional(integer({ min: 100, max: 60_000 }), 5_000),
          writeMs: optional(integer({ min: 100, max: 120_000 }), 10_000),
          disconnectMs: optional(integer({ min: 100, max: 60_000 }), 2_000),
        }),
        { connectMs: 10_000, discoverMs: 5_000, subscribeMs: 5_000, writeMs: 10_000, disconnectMs: 2_000 },
      ),
      reconnect: optional(backoff, { initialMs: 500, maxMs: 30_000 }),
    }),
  ),
  serial: optional(
    array(
      object({
        path: string({ hint: "a serial device path, e.g. '/dev/ttyUSB0'" }),
        baudRate: optional(integer({ min: 1200, max: 4_000_000 }), 115_200),
        maxHoldMs: optional(integer({ min: 0, max: 10_000 }), 2_000),
      }),
      { max: MAX_SERIAL_PORTS },
    ),
    [],
  ),
  serialReconnect: optional(backoff, { initialMs: 500, maxMs: 10_000 }),
  http: optional(object({ listen: optional(listenAddress, '127.0.0.1:9464') }), { listen: '127.0.0.1:9464' }),
  log: optional(object({ level: optional(oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), 'info') }), { level: 'info' as const }),
});

export type GatewayConfig = Infer<typeof configSchema>;

/** Validates a parsed document (file merged with flags). Throws CONFIG_INVALID with every issue. */
export function validateConfig(document: unknown, source = 'gateway config'): GatewayConfig {
  const config = parseWith(configSchema, document, source);
  const ble = config.ble;
  if (ble?.devices !== undefined) ble.devices = ble.devices.map((d) => d.replace(/:/g, '').toLowerCase());
  return config;
}

/** Reads a YAML file (no validation: flags are merged first). Throws CONFIG_INVALID. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('CONFIG_INVALID', `cannot read config file '${path}': ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError('CONFIG_INVALID', `${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) throw new ConfigError('CONFIG_INVALID', `${path}: must be a mapping of options`);
  return document as Record<string, unknown>;
}
