/**
 * The device's build configuration: what the manifest's `config` block puts into Moddable's
 * `mc/config` module (manifests/*.json; `mcconfig ... route="..."` overrides a value at build
 * time), checked once at boot into a typed, frozen DeviceConfig.
 *
 * Build-time rather than provisioned-at-runtime: the route and the trust anchor decide whom the
 * device will talk to and believe, so they are part of the signed firmware image, not of
 * anything a gateway could write. Everything has a checked type and range: a bad build fails
 * at the first boot with a CONFIG_INVALID that names the key, not later with a strange route.
 */
import { ConfigError } from '../protocol/errors.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { TransportType } from '../protocol/routing/address.ts';
import { parseRoute, type Route } from '../protocol/routing/route.ts';

export type LinkKind = 'uart' | 'ble';

export interface UartConfig {
  readonly port: number;
  readonly receive: number;
  readonly transmit: number;
  readonly baud: number;
}

export interface DeviceConfig {
  /** Onward route to the cloud listener; its head names the link that carries the channel. */
  readonly route: Route;
  /** The one identity the device accepts as its responder ('I' + 40 hex). */
  readonly trustAnchor: string;
  /** Links started at boot. */
  readonly links: readonly LinkKind[];
  /** Reporting interval at first boot (a `set-interval` command overrides it, persisted). */
  readonly intervalMs: number;
  /** Readings held until acknowledged; the oldest is dropped (and counted) beyond this. */
  readonly bufferReadings: number;
  /** Readings per telemetry message. */
  readonly batchReadings: number;
  /** How long to wait for an acknowledgement before sending the unacknowledged again. */
  readonly ackTimeoutMs: number;
  readonly uart: UartConfig;
  /** BLE device name (advertised). */
  readonly bleName: string;
  /** GPIO of the identify LED, or undefined for none. */
  readonly ledPin: number | undefined;
  /**
   * Seconds since the epoch when the firmware was built: a lower bound for the clock. Used to
   * date the device's attestation when no clock is set at provisioning.
   */
  readonly buildTime: number;
  /** Validity of the device's own attestation, in days. */
  readonly attestationDays: number;
  /** Keepalive of the channel (ms): under the cloud's idle timeout. */
  readonly keepaliveMs: number;
}

// Our limits.
/** Reporting interval bounds: faster than 1 s floods a BLE link; a day is the longest useful. */
export const MIN_INTERVAL_MS = 1_000;
export const MAX_INTERVAL_MS = 86_400_000;
/** Buffer bound: a reading is ~100 bytes of XS heap; 512 of them would take a third of it. */
export const MAX_BUFFER_READINGS = 512;
/**
 * Earliest build time accepted (2020-01-01T00:00:00Z). Without a clock the device dates its
 * attestation by the build time: a build without one (0, 1970) would provision an attestation
 * that expired decades ago, which every cloud refuses, so such an image stops at boot instead.
 */
export const MIN_BUILD_TIME = 1_577_836_800;

/** Defaults for everything but the route, the trust anchor and the build time, which a build must name. */
export const CONFIG_DEFAULTS = {
  links: 'uart',
  intervalMs: 10_000,
  bufferReadings: 64,
  batchReadings: 8,
  ackTimeoutMs: 15_000,
  // UART2 on GPIO16/17: UART0 carries the console and xsbug.
  uartPort: 2,
  uartReceive: 16,
  uartTransmit: 17,
  uartBaud: 115_200,
  bleName: 'burrow',
  ledPin: -1,
  attestationDays: 3650,
  keepaliveMs: 60_000,
} as const;

type Raw = Readonly<Record<string, unknown>>;

function bad(key: string, why: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `config.${key}: ${why}`);
}

function text(raw: Raw, key: string, fallback?: string): string {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'string' || v.length === 0) throw bad(key, 'must be a non-empty string');
  return v;
}

/** Manifest values may arrive as numbers or as decimal strings (command-line overrides). */
function integer(raw: Raw, key: string, fallback: number, min: number, max: number): number {
  const v = raw[key] ?? fallback;
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw bad(key, `must be an integer from ${min} to ${max}`);
  return n;
}

function buildTime(raw: Raw): number {
  if (raw['buildTime'] === undefined || raw['buildTime'] === 0 || raw['buildTime'] === '0') {
    throw bad('buildTime', 'is required: build with buildTime=$(date +%s) (it dates the attestation of a device without a clock)');
  }
  return integer(raw, 'buildTime', 0, MIN_BUILD_TIME, 0xffff_fffe);
}

function parseLinks(raw: Raw): LinkKind[] {
  const list = text(raw, 'links', CONFIG_DEFAULTS.links).split(',').map((s) => s.trim());
  const links: LinkKind[] = [];
  for (const l of list) {
    if (l !== 'uart' && l !== 'ble') throw bad('links', `unknown link '${l.slice(0, 16)}' (uart, ble)`);
    if (!links.includes(l)) links.push(l);
  }
  return links;
}

/** Validates `raw` (the `mc/config` object); throws CONFIG_INVALID naming the first bad key. */
export function readConfig(raw: Raw): DeviceConfig {
  let route: Route;
  try {
    route = parseRoute(text(raw, 'route'));
  } catch (e) {
    throw bad('route', e instanceof Error ? e.message : String(e));
  }
  const links = parseLinks(raw);
  const head = route.next();
  const headLink: LinkKind | undefined = head.type === TransportType.UART ? 'uart' : head.type === TransportType.BLE ? 'ble' : undefined;
  if (headLink === undefined || !links.includes(headLink)) throw bad('route', `its first hop must be an enabled link (${links.join(', ')})`);
  if (route.length < 2) throw bad('route', 'needs a hop past the gateway (at least the listener name)');
  const trustAnchor = text(raw, 'trustAnchor');
  try {
    parseIdentifier(trustAnchor);
  } catch {
    throw bad('trustAnchor', "must be an identifier: 'I' and 40 lowercase hex digits");
  }
  const bufferReadings = integer(raw, 'bufferReadings', CONFIG_DEFAULTS.bufferReadings, 1, MAX_BUFFER_READINGS);
  const ledPin = integer(raw, 'ledPin', CONFIG_DEFAULTS.ledPin, -1, 63);
  return Object.freeze({
    route,
    trustAnchor,
    links: Object.freeze(links),
    intervalMs: integer(raw, 'intervalMs', CONFIG_DEFAULTS.intervalMs, MIN_INTERVAL_MS, MAX_INTERVAL_MS),
    bufferReadings,
    batchReadings: integer(raw, 'batchReadings', CONFIG_DEFAULTS.batchReadings, 1, Math.min(32, bufferReadings)),
    ackTimeoutMs: integer(raw, 'ackTimeoutMs', CONFIG_DEFAULTS.ackTimeoutMs, 1_000, 600_000),
    uart: Object.freeze({
      port: integer(raw, 'uartPort', CONFIG_DEFAULTS.uartPort, 0, 7),
      receive: integer(raw, 'uartReceive', CONFIG_DEFAULTS.uartReceive, 0, 63),
      transmit: integer(raw, 'uartTransmit', CONFIG_DEFAULTS.uartTransmit, 0, 63),
      baud: integer(raw, 'uartBaud', CONFIG_DEFAULTS.uartBaud, 1_200, 5_000_000),
    }),
    bleName: text(raw, 'bleName', CONFIG_DEFAULTS.bleName).slice(0, 29),
    ledPin: ledPin < 0 ? undefined : ledPin,
    buildTime: buildTime(raw),
    attestationDays: integer(raw, 'attestationDays', CONFIG_DEFAULTS.attestationDays, 1, 36_500),
    keepaliveMs: integer(raw, 'keepaliveMs', CONFIG_DEFAULTS.keepaliveMs, 5_000, 240_000),
  });
}
