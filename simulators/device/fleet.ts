/**
 * Simulated devices in real time, for `burrow device-sim`: each one the real firmware (XS or
 * Node), its NVS in a 0600 file (so a restarted simulator keeps identities and sequence
 * numbers), and its link on something a real gateway talks to: a pty per device (UART) or the
 * simulated BLE radio.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BleBridge } from './ble-bridge.ts';
import { BLE_SERVICE_FILE } from './bundle.ts';
import type { EngineKind } from './engine.ts';
import { loadGattService } from './gatt.ts';
import { NvsStore } from './nvs.ts';
import { PtyBridge } from './pty-bridge.ts';
import { SimDevice } from './sim-device.ts';
import { RealWorld } from './world.ts';

export type FleetLink = { readonly kind: 'serial'; readonly path: string } | { readonly kind: 'ble'; readonly endpoint: string };

export interface FleetOptions {
  readonly engine: EngineKind;
  readonly count: number;
  readonly link: FleetLink;
  /** Build config shared by every device (route, trust anchor, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Directory of the devices' NVS files. */
  readonly stateDir: string;
  /** Give devices the host's wall clock (default: no clock, like a board without SNTP). */
  readonly clock: boolean;
  /** CPU model, meter units per ms (XS only); 0: as fast as the host. */
  readonly meterUnitsPerMs: number;
  /** Where every line goes ("<device>: <text>"). */
  readonly out: (line: string) => void;
}

export interface Fleet {
  readonly devices: readonly SimDevice[];
  close(): Promise<void>;
}

/** Device i's name, and its pty when there are several. */
export const deviceName = (i: number): string => `dev${i}`;
export const ptyPath = (base: string, i: number, count: number): string => (count === 1 ? base : `${base}-${i}`);

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const world = new RealWorld((e) => o.out(`simulator: ${e instanceof Error ? e.message : String(e)}`));
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const gatt = o.link.kind === 'ble' ? loadGattService(BLE_SERVICE_FILE) : undefined;
  const devices: SimDevice[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const fleet: Fleet = {
    devices,
    async close() {
      for (const c of closers.splice(0).reverse()) await c();
    },
  };
  try {
    for (let i = 0; i < o.count; i++) {
      const name = deviceName(i);
      const device = await SimDevice.start({
        name,
        engine: o.engine,
        world,
        config: o.config,
        nvs: new NvsStore(join(o.stateDir, `${name}.nvs.json`)),
        meterUnitsPerMs: o.meterUnitsPerMs,
        ...(o.clock ? { wallSeconds: Math.floor(Date.now() / 1000) } : {}),
        ...(gatt ? { gatt: gatt.characteristics } : {}),
        onLine: (line) => o.out(`${name}: ${line.replace(/^burrow: /, '')}`),
      });
      closers.push(() => device.close());
      devices.push(device);
      if (o.link.kind === 'serial') {
        const port = Number(o.config['uartPort'] ?? 2);
        const path = ptyPath(o.link.path, i, o.count);
        const bridge = await PtyBridge.open(world, device.uart(port), path);
        closers.push(() => bridge.close());
        o.out(`${name}: UART on ${path}`);
      } else {
        const bridge = await BleBridge.attach(world, device, gatt!, { endpoint: o.link.endpoint, address: `c0:de:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}` });
        closers.push(() => bridge.close());
        o.out(`${name}: BLE peripheral ${bridge.peripheral.address} on ${o.link.endpoint}`);
      }
      await device.boot();
    }
  } catch (e) {
    await fleet.close();
    throw e;
  }
  return fleet;
}
