/**
 * A real ESP32 running the flashed firmware, reached through a real gateway on this machine:
 * serialport on the adapter wired to the board's UART2, or noble on the HCI adapter. The cloud
 * is real too, on a data directory made for the run holding a copy of the service identity
 * the board was built to trust (its `trustAnchor`), so the run starts with an empty registry
 * and store and the operator's own data is never touched. The board's route names the address of the
 * tampering hop (BURROW_HW_CLOUD_ADDRESS), which the suite listens on with the cloud behind it.
 *
 * A board lives through the whole run, and one rig's cloud is the next one's (the same data
 * directory, so command ids are never reused: the board answers a repeated id from memory).
 * Between rigs the cloud closes the channel (its CLOSE reaches the board before the gateway
 * stops), so each rig starts with the board handshaking anew, as a simulated device boots into
 * its rig. The board's counters run from its boot, so the handle reports them from a baseline
 * taken when the previous rig ended (the first rig of a run is preceded by a warm-up rig).
 *
 * What a board cannot do, and what stands in:
 * - it is provisioned already (its identifier comes from the environment), so it is not fresh;
 * - its console is not on the link, so the suite sees it only through the cloud: `status` is a
 *   downlink command, asked through the channel;
 * - nobody here holds its cable: a link loss stops the gateway (and cuts the hop at once), and a
 *   roam stops one gateway and starts another, of another name, on the same port.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type RunningCloud } from '../cloud/server.ts';
import { dataPaths } from '../cloud/data-dir.ts';
import type { ReadingStats } from '../cloud/storage/store.ts';
import { validateConfig } from '../gateway/config.ts';
import { CONFIG_DEFAULTS } from '../firmware/config.ts';
import { Gateway } from '../gateway/gateway.ts';
import { silentLogger, type Logger } from '../transport-node/log.ts';
import { parseHostPort } from '../transport-node/tcp.ts';
import { sleep } from './checks.ts';
import { TamperHop } from './tamper.ts';
import type { DeviceStatus, Rig, RigDevice, RigOptions, Target } from './target.ts';

export const ENV = {
  serial: 'BURROW_HW_SERIAL',
  serialDevice: 'BURROW_HW_SERIAL_DEVICE',
  ble: 'BURROW_HW_BLE',
  bleDevice: 'BURROW_HW_BLE_DEVICE',
  bleId: 'BURROW_HW_BLE_ID',
  cloudDir: 'BURROW_HW_CLOUD_DIR',
  cloudAddress: 'BURROW_HW_CLOUD_ADDRESS',
  interval: 'BURROW_HW_INTERVAL_MS',
} as const;

export const DEFAULT_CLOUD_ADDRESS = '127.0.0.1:4000';

// Our limits.
/** A board handshakes in ~3.4 s where a simulator takes milliseconds; waits stretch by this. */
const BOARD_PATIENCE = 4;
/** How long a `status` command may take through the channel before the board counts as unreachable. */
const STATUS_TIMEOUT_MS = 8_000;
/** The warm-up's wait for the board's first channel: its backoff may be minutes after refusals. */
const WARM_UP_MS = 330_000;
/** Longest wait for the cloud's CLOSE to cross the gateway to the board before it stops. */
const CLOSE_FLUSH_MS = 3_000;

/** The counters a board reports since its boot, which the handle reports since the baseline. */
const SINCE_BOOT = ['handshakes', 'dropped', 'acknowledged'] as const;

/** What outlives a rig: the cloud's data directory and the board's counters when the last rig ended. */
interface Session {
  workDir: string | undefined;
  baseline: DeviceStatus | undefined;
  last: DeviceStatus | undefined;
}

type Link = { readonly kind: 'serial'; readonly path: string } | { readonly kind: 'ble'; readonly id: string | undefined };

interface BoardEnv {
  readonly link: Link;
  readonly identifier: string;
  readonly cloudDir: string;
  readonly cloudHost: string;
  readonly cloudPort: number;
  /** The interval the board reports at (its build's intervalMs, or a set-interval since). */
  readonly intervalMs: number;
}

const identifierPattern = /^I[0-9a-f]{40}$/;

/** The board on a serial adapter, when BURROW_HW_SERIAL names one. */
export function serialBoardTarget(env: NodeJS.ProcessEnv, log: Logger = silentLogger): Target {
  const path = env[ENV.serial];
  const why = path === undefined || path === ''
    ? `set ${ENV.serial}=/dev/ttyUSB0 (the gateway's adapter wired to the board's UART2), ${ENV.serialDevice}=I… and ${ENV.cloudDir}=… to run on a real ESP32 (hw-tests/README.md)`
    : !existsSync(path) ? `${ENV.serial}=${path}: no such port (is the adapter plugged in?)` : common(env, ENV.serialDevice);
  return boardTarget('esp32 over serial', why, () => settings(env, { kind: 'serial', path: path! }, ENV.serialDevice), log);
}

/** The board over BLE, when BURROW_HW_BLE=hci and this machine has a controller. */
export function bleBoardTarget(env: NodeJS.ProcessEnv, log: Logger = silentLogger): Target {
  const adapter = env[ENV.ble];
  const controllers = existsSync('/sys/class/bluetooth') ? readdirSync('/sys/class/bluetooth').filter((n) => n.startsWith('hci')) : [];
  const why = adapter === undefined || adapter === ''
    ? `set ${ENV.ble}=hci, ${ENV.bleDevice}=I… and ${ENV.cloudDir}=… to run on a real ESP32 over Bluetooth (hw-tests/README.md)`
    : adapter !== 'hci' ? `${ENV.ble} must be 'hci' (noble's HCI binding), not '${adapter}'`
    : controllers.length === 0 ? `${ENV.ble}=hci: this machine has no Bluetooth controller (/sys/class/bluetooth)` : common(env, ENV.bleDevice);
  return boardTarget('esp32 over BLE', why, () => settings(env, { kind: 'ble', id: env[ENV.bleId] }, ENV.bleDevice), log);
}

function common(env: NodeJS.ProcessEnv, deviceVar: string): string | undefined {
  const id = env[deviceVar];
  if (id === undefined || !identifierPattern.test(id)) return `set ${deviceVar} to the board's identifier (its console prints 'burrow: identifier I…' at boot)`;
  const dir = env[ENV.cloudDir];
  if (dir === undefined || !existsSync(dataPaths(dir).identity)) return `set ${ENV.cloudDir} to the cloud data directory whose identifier the board was built with as trustAnchor`;
  const address = env[ENV.cloudAddress] ?? DEFAULT_CLOUD_ADDRESS;
  try {
    parseHostPort(address);
  } catch {
    return `${ENV.cloudAddress} must be host:port (the address in the board's route), not '${address.slice(0, 60)}'`;
  }
  const interval = env[ENV.interval];
  if (interval !== undefined && !(/^[0-9]+$/.test(interval) && Number(interval) >= 1000)) return `${ENV.interval} must be the board's interval in ms (at least 1000), not '${interval.slice(0, 20)}'`;
  return undefined;
}

function settings(env: NodeJS.ProcessEnv, link: Link, deviceVar: string): BoardEnv {
  const { host, port } = parseHostPort(env[ENV.cloudAddress] ?? DEFAULT_CLOUD_ADDRESS);
  return { link, identifier: env[deviceVar]!, cloudDir: env[ENV.cloudDir]!, cloudHost: host, cloudPort: port, intervalMs: Number(env[ENV.interval] ?? CONFIG_DEFAULTS.intervalMs) };
}

function boardTarget(name: string, unavailable: string | undefined, read: () => BoardEnv, log: Logger): Target {
  const session: Session = { workDir: undefined, baseline: undefined, last: undefined };
  return {
    name,
    unavailable,
    can: { freshDevices: false, console: false, gpio: false, firmwareSettings: false, maxDevices: 1 },
    patience: BOARD_PATIENCE,
    prepareMs: WARM_UP_MS + CLOSE_FLUSH_MS + 10_000,
    prepare: (seed) => warmUp(read(), session, seed, log),
    finish: async () => {
      // The copy of the service's private key goes when the run does (and at exit, should the
      // run end before its after hooks).
      if (session.workDir !== undefined) rmSync(session.workDir, { recursive: true, force: true });
      session.workDir = undefined;
    },
    rig: async (o) => {
      if (session.last === undefined) throw new Error('the board target was not prepared (its warm-up did not finish)');
      session.baseline = session.last;
      return BoardRig.start(read(), session, o, log);
    },
  };
}

/** A first rig that only waits for the board's status, so the next rig has a baseline. */
async function warmUp(env: BoardEnv, session: Session, seed: number, log: Logger): Promise<void> {
  const rig = await BoardRig.start(env, session, { devices: [], enroll: true, seed }, log);
  try {
    for (const until = Date.now() + WARM_UP_MS; session.last === undefined; await sleep(500)) {
      if (Date.now() > until) throw new Error(`the board ${env.identifier} opened no channel within ${WARM_UP_MS / 1000} s (route, trust anchor, wiring?)`);
      await rig.devices[0]!.status();
    }
  } finally {
    await rig.stop();
  }
}

class Board implements RigDevice {
  readonly name = 'esp32';
  readonly lines: readonly string[] = [];
  readonly gpio: readonly { pin: number; value: number }[] = [];
  readonly faults: readonly string[] = [];

  constructor(private readonly rig: BoardRig, private readonly session: Session, readonly identifier: string) {}

  get linkKey(): string {
    const link = this.rig.env.link;
    if (link.kind === 'serial') return `uart:${link.path}`;
    return this.rig.gateway.links.all().find((l) => l.kind === 'ble')?.key ?? 'ble:?';
  }

  /** Asks the board through its channel (a `status` command), when it has one. */
  async status(): Promise<DeviceStatus | undefined> {
    const cloud = this.rig.cloud;
    if (cloud.listener.channelOf(this.identifier) === undefined) return undefined;
    const id = cloud.commands.queue(this.identifier, 'status', '{}').id;
    for (const until = Date.now() + STATUS_TIMEOUT_MS; Date.now() < until;) {
      const c = this.rig.cloud.store.command(id);
      if (c?.state === 'done') return this.sinceBaseline(JSON.parse(c.result!) as DeviceStatus);
      if (c?.state === 'failed') return undefined;
      await sleep(100);
    }
    return undefined;
  }

  private sinceBaseline(raw: DeviceStatus): DeviceStatus {
    this.session.last = raw;
    const base = this.session.baseline;
    if (base === undefined) return raw;
    const relative: Record<string, unknown> = { ...raw };
    for (const k of SINCE_BOOT) relative[k] = raw[k] - base[k];
    return relative as DeviceStatus;
  }

  cut(): void {
    this.rig.cutPath();
  }

  restore(): Promise<void> {
    return this.rig.restorePath();
  }
}

class BoardRig implements Rig {
  readonly devices: Board[];
  private running!: RunningCloud;
  private current: Gateway | undefined;
  private stopping: Promise<void> | undefined;
  /** Which of the two gateway names serves the board now. */
  private name: 'hw-gateway-a' | 'hw-gateway-b' = 'hw-gateway-a';
  /** The store's figures per device when this rig started. */
  private readonly storedBefore = new Map<string, ReadingStats>();

  private constructor(readonly env: BoardEnv, session: Session, readonly hop: TamperHop, private readonly workDir: string, private readonly log: Logger) {
    this.devices = [new Board(this, session, env.identifier)];
  }

  get intervalMs(): number {
    return this.env.intervalMs;
  }

  static async start(env: BoardEnv, session: Session, o: RigOptions, log: Logger): Promise<BoardRig> {
    session.workDir ??= newWorkDir(env);
    const hop = await TamperHop.start({ seed: o.seed, host: env.cloudHost, port: env.cloudPort });
    hop.blackhole = o.hopStartsCut ?? false;
    const rig = new BoardRig(env, session, hop, session.workDir, log);
    try {
      await rig.startCloud(0);
      rig.storedBefore.set(env.identifier, rig.cloud.store.readingStats(env.identifier));
      // The registry is the run's: this rig's enrollment state is set here.
      if (o.enroll) rig.cloud.registry.enroll(env.identifier, { role: 'sensor' });
      else if (rig.cloud.registry.activeDevice(env.identifier) !== undefined) rig.cloud.revoke(env.identifier);
      await rig.startGateway();
    } catch (e) {
      await rig.stop();
      throw e;
    }
    return rig;
  }

  get cloud() {
    return this.running.node;
  }

  get gateway(): Gateway {
    if (this.current === undefined) throw new Error('the gateway is stopped');
    return this.current;
  }

  /** What this rig stored: the store is the run's, and earlier rigs' readings are in it. */
  stored(identifier: string): ReadingStats {
    const now = this.cloud.store.readingStats(identifier);
    const before = this.storedBefore.get(identifier) ?? { count: 0, distinctSeqs: 0, maxSeq: -1 };
    return { count: now.count - before.count, distinctSeqs: now.distinctSeqs - before.distinctSeqs, maxSeq: now.maxSeq };
  }

  async restartGateway(downMs: number): Promise<void> {
    await this.stopGateway();
    await sleep(downMs);
    await this.startGateway();
  }

  async restartCloud(downMs: number): Promise<void> {
    const port = this.running.port;
    await this.running.stop();
    await sleep(downMs);
    await this.startCloud(port);
  }

  /** The other gateway takes the port once this one lets it go: one board, one cable. */
  async roam(): Promise<void> {
    await this.stopGateway();
    this.name = this.name === 'hw-gateway-a' ? 'hw-gateway-b' : 'hw-gateway-a';
    await this.startGateway();
  }

  cutPath(): void {
    this.hop.blackhole = true;
    this.stopping ??= this.stopGateway();
  }

  async restorePath(): Promise<void> {
    await this.stopping;
    this.stopping = undefined;
    await this.startGateway();
    this.hop.blackhole = false;
  }

  /** The cloud first: its CLOSE crosses the gateway, so the board handshakes with the next rig at once. */
  async stop(): Promise<void> {
    const g = this.current;
    const hadChannel = this.running?.node.listener.channelOf(this.env.identifier) !== undefined;
    const down = () => g?.links.all().reduce((n, l) => n + l.counters.framesDown, 0) ?? 0;
    const before = down();
    await this.running?.stop().catch(() => undefined);
    for (const until = Date.now() + CLOSE_FLUSH_MS; hadChannel && Date.now() < until; await sleep(50)) {
      if (down() > before && g!.links.all().every((l) => l.status().downlinkQueued === 0)) break;
    }
    await this.stopGateway().catch(() => undefined);
    await this.hop.close();
  }

  private async startCloud(port: number): Promise<void> {
    this.running = await startCloud({ dataDir: dataDirOf(this.workDir), port, host: '127.0.0.1', log: this.log, pollMs: 250 });
    this.hop.setUpstream(`127.0.0.1:${this.running.port}`);
  }

  private async startGateway(): Promise<void> {
    const link = this.env.link;
    const reconnect = { initialMs: 100, maxMs: 2000 };
    const config = validateConfig({
      name: this.name,
      upstreams: [`tcp:${this.env.cloudHost}:${this.env.cloudPort}`],
      queue: { reconnect },
      ble: link.kind === 'ble' ? { adapter: 'hci', reconnect, ...(link.id === undefined ? {} : { devices: [link.id] }) } : { enabled: false },
      serial: link.kind === 'serial' ? [{ path: link.path, baudRate: 115_200 }] : [],
      serialReconnect: reconnect,
    });
    this.current = await Gateway.start(config, { log: this.log, http: false });
  }

  private async stopGateway(): Promise<void> {
    const g = this.current;
    this.current = undefined;
    await g?.close();
  }
}

const dataDirOf = (workDir: string) => join(workDir, 'cloud');

/** A data directory for the run holding a copy of the identity the board trusts (removed at exit). */
function newWorkDir(env: BoardEnv): string {
  const workDir = mkdtempSync(join(tmpdir(), 'burrow-hw-'));
  process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));
  mkdirSync(dataDirOf(workDir), { mode: 0o700 });
  const identity = dataPaths(dataDirOf(workDir)).identity;
  copyFileSync(dataPaths(env.cloudDir).identity, identity);
  chmodSync(identity, 0o600);
  return workDir;
}
