/**
 * A whole Burrow deployment in one process, in real time, built from the real parts: the cloud
 * service (startCloud: SQLite data directory, TCP or a relay), optionally a relay, one gateway
 * (Gateway.start: real noble over the simulated radio, real serialport on socat ptys, or the
 * gateway's SerialLink on an in-memory cable for large fleets), and simulated ESP32s running
 * the real firmware bundle on XS or Node. `npm start`, `burrow fleet`, hw-tests and the
 * whole-path bench all stand on it, so they exercise one code path.
 *
 * Devices are enrolled the way an operator would: the stack reads the identifier the device
 * reports after its first boot (what it prints on its console) and enrolls it with
 * role=sensor. The cloud checks enrollment at handshake message 3, after that.
 *
 * Links per device:
 * - 'ble': the device's bleserver on the radio hub; the gateway's BLE central finds it.
 * - 'serial': the device's UART on a real pty (socat); the gateway opens it with serialport.
 * - 'wire': the device's UART on an in-memory cable (WirePort) opened by the gateway's real
 *   SerialLink: no file descriptor per device, so a thousand fit in one process.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type RunningCloud } from '../../cloud/server.ts';
import type { ReadingStats } from '../../cloud/storage/store.ts';
import type { GatewayConfig } from '../../gateway/config.ts';
import { validateConfig } from '../../gateway/config.ts';
import { Gateway } from '../../gateway/gateway.ts';
import type { PortFactory } from '../../gateway/serial/serial-link.ts';
import { RelayNode } from '../../relay/relay-node.ts';
import { silentLogger, type Logger } from '../../transport-node/log.ts';
import { RadioHub } from '../ble/hub.ts';
import { BleBridge } from '../device/ble-bridge.ts';
import { BLE_SERVICE_FILE } from '../device/bundle.ts';
import type { EngineKind } from '../device/engine.ts';
import { loadGattService } from '../device/gatt.ts';
import { NvsStore } from '../device/nvs.ts';
import { PtyBridge } from '../device/pty-bridge.ts';
import { SimDevice } from '../device/sim-device.ts';
import { RealWorld } from '../device/world.ts';
import { WireCable, WirePort } from './wire-port.ts';

export type LinkChoice = 'ble' | 'serial' | 'wire';

export interface DeviceSpec {
  readonly engine: EngineKind;
  readonly link: LinkChoice;
}

export interface LiveFleetOptions {
  readonly devices: readonly DeviceSpec[];
  /** Everything lives here: cloud data, radio socket, ptys, device NVS (default: a new temp dir). */
  readonly workDir?: string;
  /** Route through a relay; the cloud then opens no port. */
  readonly relay?: boolean;
  /** Reporting interval of every device (ms). */
  readonly intervalMs?: number;
  /** CPU model for XS devices (meter units per ms); 0: as fast as this host. */
  readonly meterUnitsPerMs?: number;
  /** Enroll each device when it reports its identifier (default true). */
  readonly enroll?: boolean;
  /** Logs of the cloud, the gateway and the relay (default silent). */
  readonly log?: Logger;
  /** Device console lines, prefixed with the device name. */
  readonly onDeviceLine?: (device: string, line: string) => void;
  /** Gateway config fields to override (merged over the stack's). */
  readonly gateway?: Readonly<Record<string, unknown>>;
  /** Extra firmware build config (merged over the stack's). */
  readonly firmware?: Readonly<Record<string, unknown>>;
  /**
   * At most this many devices booted and still without a channel at once (default: all boot
   * together). Real devices each have their own CPU; simulated ones share this host's, and a
   * thousand handshakes at once queue each device's share behind everyone else's, past the
   * listener's handshake timeout, and every attempt fails (a congestion collapse of the
   * simulation, not of the system). Booting in a sliding window keeps the queue short.
   */
  readonly startWindow?: number;
  /** Called as devices are created, boot and establish their channels during start(). */
  readonly onProgress?: (progress: StartProgress) => void;
  /** Called as each device's boot returns, before its first handshake turn (measurements). */
  readonly onBooted?: (member: FleetMember) => void;
}

export interface StartProgress {
  readonly total: number;
  readonly created: number;
  readonly booted: number;
  /** Devices with a channel, among those start() has watched (only with a startWindow). */
  readonly established: number;
}

export interface FleetMember {
  readonly name: string;
  readonly spec: DeviceSpec;
  readonly device: SimDevice;
  /** Its identifier, once it has booted. */
  identifier: string;
  /** The gateway's name for its link (ble:<id> or uart:<path>). */
  readonly linkKey: string;
  /** The in-memory cable ('wire' links). */
  readonly cable?: WireCable;
}

const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, '0');
/** A fixed MAC per device index, so a restarted simulator keeps its noble id. */
export const bleAddressOf = (i: number) => `c0:de:00:${hex2(i >> 16)}:${hex2(i >> 8)}:${hex2(i)}`;
const BUILD_TIME = () => Math.floor(Date.now() / 1000) - 86_400;
export const RELAY_NAME = 'cloud';

// Our limits.
/** How often a windowed start looks at the devices it waits for. */
const START_POLL_MS = 100;
/**
 * A booted device leaves the start window after this long even without a channel (not
 * enrolled, cloud down): start() must end. Two of the listener's 30 s handshake timeouts.
 */
const START_SETTLE_MS = 60_000;
/** Rows storedSeqs reads of one device: more than a device sends in years at one a second. */
const STORED_SEQS_LIMIT = 1_000_000_000;

export class LiveFleet {
  readonly world: RealWorld;
  readonly members: FleetMember[] = [];
  /** Simulator faults (a device's callback threw): a healthy run has none. */
  readonly errors: unknown[] = [];
  cloud!: RunningCloud;
  gateway!: Gateway;
  relay: RelayNode | undefined;
  relayPort = 0;
  hub: RadioHub | undefined;
  readonly workDir: string;
  private readonly o: LiveFleetOptions;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private readonly cables = new Map<string, WireCable>();
  private gatewayConfig!: GatewayConfig;
  private cloudPort = 0;

  private constructor(o: LiveFleetOptions) {
    this.o = o;
    this.workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'burrow-fleet-'));
    mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
    this.world = new RealWorld((e) => this.errors.push(e));
  }

  /** Starts cloud, relay, devices and gateway, then boots the devices. */
  static async start(o: LiveFleetOptions): Promise<LiveFleet> {
    const fleet = new LiveFleet(o);
    try {
      await fleet.startAll();
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  get log(): Logger {
    return this.o.log ?? silentLogger;
  }

  /** The onward route devices are built with, past their first hop. */
  get upstreamRoute(): string {
    return this.relay === undefined ? `tcp:127.0.0.1:${this.cloud.port} => api` : `tcp:127.0.0.1:${this.relayPort} => fwd.${RELAY_NAME} => api`;
  }

  private async startAll(): Promise<void> {
    if (this.o.relay) {
      this.relay = new RelayNode({ port: 0, log: this.log });
      this.relayPort = (await this.relay.start()).port;
      this.closers.push(() => this.relay?.stop());
    }
    await this.startCloud();
    if (this.o.devices.some((d) => d.link === 'ble')) {
      this.hub = await RadioHub.start({ socketPath: join(this.workDir, 'radio.sock') });
      this.closers.push(() => this.hub?.close());
    }
    const serial: { path: string; baudRate: number }[] = [];
    for (const [i, spec] of this.o.devices.entries()) {
      serial.push(...(await this.addDevice(i, spec)));
      this.progress(i + 1, 0, 0);
      // A vm context per device is ~15 ms of work: let timers (the cloud's, the relay's) run.
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    const upstream = this.relay === undefined ? `tcp:127.0.0.1:${this.cloud.port}` : `tcp:127.0.0.1:${this.relayPort}`;
    this.gatewayConfig = validateConfig({
      name: 'demo-gateway',
      upstreams: [upstream],
      queue: { reconnect: { initialMs: 100, maxMs: 2000 } },
      ble: this.hub === undefined ? { enabled: false } : { adapter: `sim:${this.hub.endpoint}`, maxLinks: 64, reconnect: { initialMs: 100, maxMs: 2000 } },
      serial,
      serialReconnect: { initialMs: 100, maxMs: 2000 },
      http: { listen: '127.0.0.1:0' },
      ...this.o.gateway,
    });
    await this.startGateway();
    await this.bootAll();
  }

  private progress(created: number, booted: number, established: number): void {
    this.o.onProgress?.({ total: this.o.devices.length, created, booted, established });
  }

  /** Boots every device, all at once or in the sliding window of `startWindow`. */
  private async bootAll(): Promise<void> {
    const total = this.members.length;
    const window = this.o.startWindow ?? total;
    const waiting = new Map<FleetMember, number>();
    let booted = 0;
    let established = 0;
    if (window >= total) {
      await Promise.all(this.members.map((m) => this.boot(m)));
      return this.progress(total, total, 0);
    }
    while (booted < total || waiting.size > 0) {
      while (waiting.size < window && booted < total) {
        const m = this.members[booted++]!;
        await this.boot(m);
        waiting.set(m, this.world.now());
      }
      await new Promise((r) => setTimeout(r, START_POLL_MS));
      for (const [m, since] of waiting) {
        const up = (await m.device.status())['channel'] === 'established';
        if (up) established++;
        if (up || this.world.now() - since >= START_SETTLE_MS) waiting.delete(m);
      }
      this.progress(total, booted, established);
    }
  }

  private async startCloud(): Promise<void> {
    this.cloud = await startCloud({
      dataDir: join(this.workDir, 'cloud'),
      port: this.cloudPort,
      host: '127.0.0.1',
      log: this.log,
      pollMs: 250,
      ...(this.relay === undefined ? {} : { relay: { address: `tcp:127.0.0.1:${this.relayPort}`, name: RELAY_NAME } }),
    });
    // A restarted cloud takes the same port: devices' routes name it.
    this.cloudPort = this.cloud.port;
  }

  private async startGateway(): Promise<void> {
    const real = this.gatewayConfig.serial.some((p) => !this.cables.has(p.path));
    const serialport = real ? (await import('serialport')).SerialPort : undefined;
    const openPort: PortFactory = (path, baudRate) => {
      const cable = this.cables.get(path);
      if (cable !== undefined) return new WirePort(cable);
      return new serialport!({ path, baudRate, autoOpen: false });
    };
    this.gateway = await Gateway.start(this.gatewayConfig, { log: this.log, openPort, http: true });
  }

  /** Creates device i and its link; returns the serial ports the gateway must open for it. */
  private async addDevice(i: number, spec: DeviceSpec): Promise<{ path: string; baudRate: number }[]> {
    const name = `${spec.engine === 'xs' ? 'xs' : 'node'}-${spec.link}-${i}`;
    const kind = spec.link === 'ble' ? 'ble' : 'uart';
    const gatt = spec.link === 'ble' ? loadGattService(BLE_SERVICE_FILE) : undefined;
    const device = await SimDevice.start({
      name,
      engine: spec.engine,
      world: this.world,
      config: {
        route: `${kind}:gw => ${this.upstreamRoute}`,
        trustAnchor: this.cloud.node.identity.id,
        links: kind,
        intervalMs: this.o.intervalMs ?? 2000,
        buildTime: BUILD_TIME(),
        ...this.o.firmware,
      },
      nvs: new NvsStore(join(this.workDir, `${name}.nvs.json`)),
      meterUnitsPerMs: spec.engine === 'xs' ? (this.o.meterUnitsPerMs ?? 0) : 0,
      ...(gatt === undefined ? {} : { gatt: gatt.characteristics }),
      onLine: (line) => this.o.onDeviceLine?.(name, line),
    });
    this.closers.push(() => device.close());
    const uart = device.uart(2);
    if (spec.link === 'ble') {
      const address = bleAddressOf(i);
      const bridge = await BleBridge.attach(this.world, device, gatt!, { endpoint: this.hub!.endpoint, address });
      this.closers.push(() => bridge.close());
      this.members.push({ name, spec, device, identifier: '', linkKey: `ble:${address.replace(/:/g, '')}` });
      return [];
    }
    const path = join(this.workDir, `${name}.tty`);
    if (spec.link === 'serial') {
      const bridge = await PtyBridge.open(this.world, uart, path);
      this.closers.push(() => bridge.close());
      this.members.push({ name, spec, device, identifier: '', linkKey: `uart:${path}` });
    } else {
      const cable = new WireCable(this.world, uart, path);
      this.cables.set(path, cable);
      this.members.push({ name, spec, device, identifier: '', linkKey: `uart:${path}`, cable });
    }
    return [{ path, baudRate: 115_200 }];
  }

  private async boot(m: FleetMember): Promise<void> {
    await m.device.boot();
    this.o.onBooted?.(m);
    m.identifier = String((await m.device.status())['id']);
    if (this.o.enroll ?? true) this.cloud.node.registry.enroll(m.identifier, { role: 'sensor' });
  }

  /** Stops the gateway and starts it again with the same config (queued frames: memory or disk). */
  async restartGateway(downMs = 0): Promise<void> {
    await this.gateway.close();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startGateway();
  }

  /** Stops the cloud and starts it again on the same data directory and port. */
  async restartCloud(downMs = 0): Promise<void> {
    await this.cloud.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.startCloud();
  }

  /** What the cloud's database holds of a device. */
  stored(identifier: string): ReadingStats {
    return this.cloud.node.store.readingStats(identifier);
  }

  /** The seqs the cloud's database holds of a device, in storage order. */
  storedSeqs(identifier: string): number[] {
    return this.cloud.node.store.readings({ device: identifier, limit: STORED_SEQS_LIMIT }).map((r) => r.seq);
  }

  async stop(): Promise<void> {
    await this.gateway?.close().catch(() => undefined);
    for (const close of this.closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
    await this.cloud?.stop().catch(() => undefined);
  }
}
