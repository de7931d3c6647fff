/**
 * A simulated BLE device at the link level: a SimPeripheral with the firmware's GATT service
 * that sends and receives whole link messages using the core's BLE fragmentation
 * (protocol/framing/ble-fragment.ts), exactly as the firmware does on top of Moddable's
 * bleserver. Tests and benches use it as the far end of a gateway's BLE link.
 *
 * Device -> gateway: fragments sized to the link's MTU - 3, each one notification.
 * Gateway -> device: the gateway writes fragments with response; each is reassembled here.
 */
import { EventEmitter } from 'node:events';
import { BleReassembler, fragment, fragmentSizeForMtu, MIN_FRAGMENT_SIZE } from '../../protocol/framing/ble-fragment.ts';
import { SimPeripheral, type SimPeripheralOptions } from './peripheral.ts';

/** The firmware's GATT service (Nordic-UART-style UUIDs, written as the config file does). */
export const BURROW_GATT = {
  service: '6e400001-b5a3-f393-e0a9-e50e24dcca9e',
  /** gateway -> device, write with response */
  rx: '6e400002-b5a3-f393-e0a9-e50e24dcca9e',
  /** device -> gateway, notify */
  tx: '6e400003-b5a3-f393-e0a9-e50e24dcca9e',
} as const;

export interface FragmentDeviceOptions extends SimPeripheralOptions {
  readonly localName?: string;
  /** Cap on notification size below mtu - 3 (a stack that truncates earlier). */
  readonly maxFragment?: number;
}

/** Events: 'message' (Uint8Array), 'connect' (mtu), 'ready' (subscribed), 'disconnect' (reason). */
export class FragmentDevice extends EventEmitter {
  readonly reassembler = new BleReassembler();

  private constructor(readonly peripheral: SimPeripheral, private readonly maxFragment: number) {
    super();
    peripheral.handlers.onWrite = (characteristic, value) => {
      if (characteristic !== BURROW_GATT.rx.replace(/-/g, '')) return;
      const message = this.reassembler.push(value);
      if (message !== undefined) this.emit('message', message);
    };
    peripheral.on('connect', (_central: string, mtu: number) => this.emit('connect', mtu));
    peripheral.on('subscribe', (_c: string, enabled: boolean) => {
      if (enabled) this.emit('ready');
    });
    peripheral.on('disconnect', (reason: number) => this.emit('disconnect', reason));
  }

  static async start(options: FragmentDeviceOptions): Promise<FragmentDevice> {
    const peripheral = await SimPeripheral.attach(options);
    const device = new FragmentDevice(peripheral, options.maxFragment ?? 512);
    peripheral.advertise(
      { ...(options.localName === undefined ? {} : { localName: options.localName }), serviceUuids: [BURROW_GATT.service] },
      [{ uuid: BURROW_GATT.service, characteristics: [{ uuid: BURROW_GATT.rx, properties: ['write'] }, { uuid: BURROW_GATT.tx, properties: ['notify'] }] }],
    );
    return device;
  }

  get address(): string {
    return this.peripheral.address;
  }

  get id(): string {
    return this.peripheral.id;
  }

  /** True while a central is subscribed to the notify characteristic. */
  get ready(): boolean {
    return this.peripheral.isSubscribed(BURROW_GATT.tx);
  }

  /** Fragment size this device uses on the current link. */
  get fragmentSize(): number {
    return Math.max(MIN_FRAGMENT_SIZE, Math.min(fragmentSizeForMtu(this.peripheral.mtu), this.maxFragment));
  }

  /** Sends one link message; false when not subscribed (nothing sent). */
  send(message: Uint8Array): boolean {
    if (!this.ready) return false;
    for (const piece of fragment(message, this.fragmentSize)) {
      if (!this.peripheral.notify(BURROW_GATT.tx, piece)) return false;
    }
    return true;
  }

  /** Sends raw notification bytes (for fault tests: garbage, truncated fragments). */
  sendRaw(bytes: Uint8Array): boolean {
    return this.peripheral.notify(BURROW_GATT.tx, bytes);
  }

  close(): void {
    this.peripheral.close();
  }
}
