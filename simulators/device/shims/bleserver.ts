/**
 * Shim of Moddable's `bleserver` (a GATT peripheral) for a simulated device. The firmware
 * subclasses BLEServer exactly as on an ESP32; its calls (name, advertising, notifications)
 * go to the host, which puts the device on the simulated radio (simulators/ble), and the radio's
 * events come back through bleEvent() as the callbacks Moddable would make.
 *
 * As on the ESP32: onReady comes after construction (the stack starting), the server cannot
 * start an MTU exchange (it hears onMTUExchanged), writes arrive without backpressure, and a
 * notification larger than the negotiated MTU allows is refused by the radio.
 */
import { utf8Encode } from '../../../protocol/bytes.ts';
import { ByteWriter } from '../../../protocol/wire.ts';
import { DeviceOp, type BleEvent, type GattCharacteristicSpec } from '../device-calls.ts';
import { Bytes } from './btutils.ts';
import { addTimer, deviceCall, guarded } from './runtime.ts';

export interface SimCharacteristic {
  readonly name: string;
  readonly uuid: Bytes;
  readonly handle: number;
  readonly type: string;
  readonly properties: string;
}

export interface SimClient {
  readonly connection: number;
  readonly address: Bytes;
}

let server: BLEServer | undefined;
let characteristics: SimCharacteristic[] = [];
let client: SimClient | undefined;

/** The GATT table (bleservices/*.json), set by the simulator before boot. */
export function setGattCharacteristics(specs: readonly GattCharacteristicSpec[]): void {
  characteristics = specs.map((s, i) => ({ name: s.name, uuid: new Bytes(s.uuid), handle: 0x10 + 2 * i, type: 'ArrayBuffer', properties: s.properties }));
}

function control(message: Readonly<Record<string, unknown>>): void {
  deviceCall(DeviceOp.BLE_CONTROL, utf8Encode(JSON.stringify(message)));
}

function characteristic(name: string): SimCharacteristic {
  const found = characteristics.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no characteristic '${name}' in the GATT table`);
  return found;
}

/** Host -> device: a radio event for the peripheral. Returns false when no server runs. */
export function bleEvent(e: BleEvent): boolean {
  const s = server;
  if (s === undefined) return false;
  guarded(`ble ${e.event}`, () => {
    switch (e.event) {
      case 'connect':
        client = { connection: 1, address: new Bytes(e.address) };
        s.onConnected(client);
        return;
      case 'mtu':
        // Moddable calls it only when the application defines it (the 5.6.0 typings omit it).
        (s as { onMTUExchanged?: (mtu: number) => void }).onMTUExchanged?.(e.mtu);
        return;
      case 'subscribe':
        s.onCharacteristicNotifyEnabled(characteristic(e.characteristic));
        return;
      case 'write': {
        const bytes = new Uint8Array(e.hex.length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(e.hex.slice(2 * i, 2 * i + 2), 16);
        s.onCharacteristicWritten(characteristic(e.characteristic), bytes.buffer);
        return;
      }
      case 'disconnect': {
        const gone = client;
        client = undefined;
        if (gone) s.onDisconnected(gone);
        return;
      }
    }
  });
  return true;
}

export default class BLEServer {
  private advertisedName = '';

  constructor(_dictionary: Readonly<Record<string, unknown>> = {}) {
    if (server !== undefined) throw new Error('one BLEServer per device');
    server = this;
    // The stack comes up after the constructor returns, as on the device.
    addTimer(() => guarded('ble onReady', () => this.onReady()), 0, 0);
  }

  set securityParameters(_params: Readonly<Record<string, unknown>>) {}

  get deviceName(): string {
    return this.advertisedName;
  }

  set deviceName(name: string) {
    this.advertisedName = name;
    control({ op: 'name', name });
  }

  get localAddress(): Bytes {
    return new Bytes('00:00:00:00:00:00');
  }

  startAdvertising(params: { readonly advertisingData: Readonly<Record<string, unknown>>; readonly connectable?: boolean }): void {
    const data = params.advertisingData;
    const list = data['completeUUID128List'] ?? data['incompleteUUID128List'] ?? [];
    const uuids = Array.isArray(list) ? list.map(String) : [];
    const localName = data['completeName'] ?? data['shortName'] ?? this.advertisedName;
    control({ op: 'advertise', name: String(localName), uuids });
  }

  stopAdvertising(): void {
    control({ op: 'stopAdvertising' });
  }

  notifyValue(characteristic: SimCharacteristic, value: ArrayBuffer | ArrayBufferView): void {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    deviceCall(DeviceOp.BLE_NOTIFY, new ByteWriter().text(characteristic.name).bytes(bytes).finish());
  }

  disconnect(): void {
    control({ op: 'disconnect' });
  }

  close(): void {
    control({ op: 'close' });
    server = undefined;
  }

  // Callbacks the application overrides.
  onReady(): void {}
  onConnected(_device: SimClient): void {}
  onDisconnected(_device: SimClient): void {}
  onCharacteristicNotifyEnabled(_characteristic: SimCharacteristic): void {}
  onCharacteristicWritten(_characteristic: SimCharacteristic, _value: unknown): void {}
  onCharacteristicRead(_characteristic: SimCharacteristic): Uint8Array | number[] | number | void {}
}
