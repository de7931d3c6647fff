/**
 * The default target: simulated ESP32s running the real firmware bundle (simulators/), in a
 * LiveFleet with the real cloud and the real gateway, in real time. Devices are factory-fresh
 * (empty NVS, they provision at boot), their consoles and LEDs are visible, and their cables are
 * the simulator's to cut.
 *
 * With a tampering hop the devices are built with a route through it (the hop's port in place
 * of the cloud's), so a rig with a hop takes devices of one link kind (one route per build).
 * A second gateway opens the same in-memory cables under another name; roaming carries a cable
 * from one to the other (WireCable.moveTo), so the device stays powered and keeps its state.
 */
import { validateConfig } from '../gateway/config.ts';
import { Gateway } from '../gateway/gateway.ts';
import { LiveFleet, type DeviceSpec, type FleetMember } from '../simulators/stack/live-fleet.ts';
import { WirePort } from '../simulators/stack/wire-port.ts';
import { silentLogger, type Logger } from '../transport-node/log.ts';
import { TamperHop } from './tamper.ts';
import type { DeviceStatus, DeviceWish, Rig, RigDevice, RigOptions, Target } from './target.ts';

// Our limits.
/** Reporting interval of simulated devices: fast enough for a scenario to see many readings. */
export const SIM_INTERVAL_MS = 1_000;
/** Most devices in one rig: each XS device is a process. */
const SIM_MAX_DEVICES = 8;
/** The second gateway's name for its ports (the first one's is ''). */
const SECOND = 'b';

const SPECS: Readonly<Record<DeviceWish, DeviceSpec>> = {
  'xs-ble': { engine: 'xs', link: 'ble' },
  'xs-serial': { engine: 'xs', link: 'serial' },
  'xs-wire': { engine: 'xs', link: 'wire' },
  'node-wire': { engine: 'node', link: 'wire' },
};

export function simulatorTarget(log: Logger = silentLogger): Target {
  return {
    name: 'simulators',
    unavailable: undefined,
    can: { freshDevices: true, console: true, gpio: true, firmwareSettings: true, maxDevices: SIM_MAX_DEVICES },
    patience: 1,
    rig: (o) => SimRig.start(o, log),
  };
}

class SimDeviceHandle implements RigDevice {
  constructor(private readonly m: FleetMember) {}

  get name(): string {
    return this.m.name;
  }

  get identifier(): string {
    return this.m.identifier;
  }

  get linkKey(): string {
    return this.m.linkKey;
  }

  get lines(): readonly string[] {
    return this.m.device.lines;
  }

  get gpio(): readonly { pin: number; value: number }[] {
    return this.m.device.gpio;
  }

  get faults(): readonly string[] {
    return this.m.device.faults;
  }

  get cable() {
    if (this.m.cable === undefined) throw new Error(`${this.m.name}: the simulator cuts and moves only in-memory cables ('wire' links)`);
    return this.m.cable;
  }

  async status(): Promise<DeviceStatus> {
    return (await this.m.device.status()) as DeviceStatus;
  }

  cut(how: 'line' | 'port' = 'line'): void {
    if (how === 'line') this.cable.wire.cut = true;
    else this.cable.unplug();
  }

  async restore(): Promise<void> {
    this.cable.wire.cut = false;
    this.cable.replug();
  }
}

class SimRig implements Rig {
  readonly devices: SimDeviceHandle[];
  readonly intervalMs = SIM_INTERVAL_MS;
  private second: Gateway | undefined;
  /** Devices now on the second gateway. */
  private readonly roamed = new Set<SimDeviceHandle>();

  private constructor(private readonly fleet: LiveFleet, readonly hop: TamperHop | undefined) {
    this.devices = fleet.members.map((m) => new SimDeviceHandle(m));
  }

  static async start(o: RigOptions, log: Logger): Promise<SimRig> {
    if (o.devices.length > SIM_MAX_DEVICES) throw new Error(`at most ${SIM_MAX_DEVICES} simulated devices per rig`);
    const specs = o.devices.map((w) => SPECS[w]);
    const hop = o.tamperHop ? await TamperHop.start({ seed: o.seed }) : undefined;
    if (hop !== undefined) hop.blackhole = o.hopStartsCut ?? false;
    let fleet: LiveFleet | undefined;
    try {
      const through = hop === undefined ? { firmware: {} } : routeThrough(hop, specs);
      fleet = await LiveFleet.start({
        devices: specs,
        enroll: o.enroll,
        intervalMs: SIM_INTERVAL_MS,
        meterUnitsPerMs: 0,
        log,
        firmware: { ...o.firmware, ...through.firmware },
        ...(through.gateway === undefined ? {} : { gateway: through.gateway }),
      });
      hop?.setUpstream(`127.0.0.1:${fleet.cloud.port}`);
      const rig = new SimRig(fleet, hop);
      if (o.secondGateway) rig.second = await rig.startSecond(log);
      return rig;
    } catch (e) {
      await fleet?.stop();
      await hop?.close();
      throw e;
    }
  }

  get cloud() {
    return this.fleet.cloud.node;
  }

  get gateway(): Gateway {
    const first = this.devices[0];
    return first !== undefined && this.roamed.has(first) ? this.second! : this.fleet.gateway;
  }

  stored(identifier: string) {
    return this.fleet.stored(identifier);
  }

  restartGateway(downMs: number): Promise<void> {
    return this.fleet.restartGateway(downMs);
  }

  restartCloud(downMs: number): Promise<void> {
    return this.fleet.restartCloud(downMs);
  }

  async roam(device: RigDevice): Promise<void> {
    const handle = this.devices.find((d) => d === device);
    if (handle === undefined || this.second === undefined) throw new Error('roam needs a device of this rig and secondGateway');
    const toSecond = !this.roamed.has(handle);
    if (toSecond) this.roamed.add(handle);
    else this.roamed.delete(handle);
    handle.cable.moveTo(toSecond ? SECOND : '');
  }

  async stop(): Promise<void> {
    await this.second?.close().catch(() => undefined);
    await this.fleet.stop();
    await this.hop?.close();
  }

  /** A gateway of its own name and TCP connection, with ports on the same cables. */
  private startSecond(log: Logger): Promise<Gateway> {
    const cables = new Map(this.fleet.members.flatMap((m) => (m.cable === undefined ? [] : [[m.cable.path, m.cable] as const])));
    const upstream = this.hop === undefined ? `tcp:127.0.0.1:${this.fleet.cloud.port}` : `tcp:127.0.0.1:${this.hop.port}`;
    const config = validateConfig({
      name: 'hw-gateway-b',
      upstreams: [upstream],
      queue: { reconnect: { initialMs: 100, maxMs: 1000 } },
      ble: { enabled: false },
      serial: [...cables.keys()].map((path) => ({ path, baudRate: 115_200 })),
      serialReconnect: { initialMs: 100, maxMs: 500 },
    });
    return Gateway.start(config, { log, http: false, openPort: (path) => new WirePort(cables.get(path)!, SECOND) });
  }
}

/** Builds the devices with the hop in place of the cloud (one link kind: one route). */
function routeThrough(hop: TamperHop, specs: readonly DeviceSpec[]): { firmware: Record<string, unknown>; gateway?: Record<string, unknown> } {
  const kinds = new Set(specs.map((s) => (s.link === 'ble' ? 'ble' : 'uart')));
  if (kinds.size !== 1) throw new Error('a rig with a tamper hop takes devices of one link kind (BLE or UART)');
  const upstream = `tcp:127.0.0.1:${hop.port}`;
  return { firmware: { route: `${[...kinds][0]}:gw => ${upstream} => api` }, gateway: { upstreams: [upstream] } };
}
