/**
 * Puts a simulated device's `bleserver` on the simulated radio (simulators/ble): the device's
 * calls (name, advertising, notifications) become a SimPeripheral's, and the radio's events
 * (a central connects with its MTU, subscribes, writes) become the shim's callbacks.
 *
 * Flow control is the radio's: a write with response is answered only when the device has
 * consumed it, which with the CPU model (sim-device.ts) is after any DH the write triggered.
 * Notifications leave when the crank that made them ends.
 */
import { SimPeripheral } from '../ble/peripheral.ts';
import { normalizeUuid } from '../ble/radio-wire.ts';
import { radioService, type GattService } from './gatt.ts';
import type { SimDevice } from './sim-device.ts';
import type { World } from './world.ts';

export interface BleBridgeOptions {
  /** The radio hub's endpoint (RadioHub.endpoint). */
  readonly endpoint: string;
  /** A fixed MAC, so a rebooted device keeps its noble id. */
  readonly address?: string;
}

export class BleBridge {
  private constructor(readonly peripheral: SimPeripheral) {}

  static async attach(world: World, device: SimDevice, service: GattService, options: BleBridgeOptions): Promise<BleBridge> {
    // The firmware advertises again itself after a disconnect (as Moddable apps do).
    const peripheral = await SimPeripheral.attach({ endpoint: options.endpoint, autoAdvertise: false, ...(options.address ? { address: options.address } : {}) });
    const byUuid = new Map(service.characteristics.map((c) => [normalizeUuid(c.uuid), c.name]));
    const byName = new Map(service.characteristics.map((c) => [c.name, normalizeUuid(c.uuid)]));
    const table = radioService(service);

    device.bleListener = (event, at) => {
      world.at(at, () => {
        if (event.kind === 'notify') {
          const uuid = byName.get(event.characteristic);
          if (uuid !== undefined) peripheral.notify(uuid, event.bytes);
          return;
        }
        const m = event.message;
        if (m['op'] === 'advertise') {
          const uuids = Array.isArray(m['uuids']) ? m['uuids'].map((u) => normalizeUuid(String(u))) : [];
          peripheral.advertise({ localName: String(m['name'] ?? ''), serviceUuids: uuids }, [table]);
        } else if (m['op'] === 'stopAdvertising') peripheral.stopAdvertising();
        else if (m['op'] === 'disconnect') peripheral.disconnect();
      });
    };
    peripheral.on('connect', (central: string, mtu: number) => {
      void device.bleEvent({ event: 'connect', address: central });
      if (mtu > 23) void device.bleEvent({ event: 'mtu', mtu });
    });
    peripheral.on('subscribe', (uuid: string, enabled: boolean) => {
      const name = byUuid.get(uuid);
      if (enabled && name !== undefined) void device.bleEvent({ event: 'subscribe', characteristic: name });
    });
    peripheral.on('disconnect', () => void device.bleEvent({ event: 'disconnect' }));
    peripheral.handlers.onWrite = (uuid, value) => {
      const name = byUuid.get(uuid);
      if (name === undefined) return;
      return device.bleEvent({ event: 'write', characteristic: name, hex: Buffer.from(value).toString('hex') });
    };
    return new BleBridge(peripheral);
  }

  close(): void {
    this.peripheral.close();
  }
}
