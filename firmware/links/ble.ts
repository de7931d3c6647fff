/**
 * The BLE link on the device: a GATT peripheral through Moddable's `bleserver`, with the
 * service declared as data (bleservices/burrow.json: `rx`, written by the gateway, and `tx`,
 * notified by the device), and messages cut to the connection's MTU by the core's BLE
 * fragmentation (protocol/framing/ble-fragment.ts).
 *
 * MTU: a peripheral cannot start the exchange; it hears `onMTUExchanged(mtu)` when the central
 * does. Until then fragments are 20 bytes (ATT_MTU 23). Fragments never exceed 253 bytes,
 * whatever the MTU: NimBLE's default configuration truncates longer notifications silently.
 *
 * Flow control: BLE writes are acknowledged by the stack at once, so the link itself gives the
 * gateway no backpressure. What bounds it is above: the channel's handshake and the telemetry
 * application both have one message in flight, and the gateway sends a device one message at a
 * time (the gateway's BLE link waits for the previous one's notification answer or a timeout).
 *
 * The ECMA-419 `embedded:io/bluetoothle` peripheral API (with an `mtu` option and notify
 * completion callbacks) would fit better, but @moddable/typings 5.6.0 does not describe it and
 * the ESP32 port of Moddable 8.2 still builds `bleserver`; see README.
 */
import BLEServer from 'bleserver';
import { uuid } from 'btutils';
import type { Characteristic } from 'gatt';
import { ATT_MTU_MIN, BleReassembler, fragment, fragmentSizeForMtu } from '../../protocol/framing/ble-fragment.ts';
import { RoutingError } from '../../protocol/errors.ts';
import { encodeMessage } from '../../protocol/routing/codec.ts';
import type { RoutedMessage } from '../../protocol/routing/message.ts';
import type { DeviceLink, Inbound, Wake } from './link.ts';

// Protocol constants (bleservices/burrow.json).
export const RX_CHARACTERISTIC = 'rx';
export const TX_CHARACTERISTIC = 'tx';
// Our limits.
/** Largest notification NimBLE sends whole in Moddable's default ESP32 configuration. */
export const MAX_NOTIFICATION = 253;

/** GAP flags: LE General Discoverable, BR/EDR not supported. */
const ADVERTISING_FLAGS = 0x06;

export class BleDeviceLink implements DeviceLink {
  readonly kind = 'ble' as const;
  readonly stats = { messagesIn: 0, messagesOut: 0, fragmentsOut: 0, connections: 0, notConnected: 0 };
  private readonly server: BurrowPeripheral;
  private reassembler = new BleReassembler();
  private tx: Characteristic | undefined;
  private fragmentSize = fragmentSizeForMtu(ATT_MTU_MIN);

  constructor(name: string, private readonly inbound: Inbound, private readonly wake: Wake) {
    this.server = new BurrowPeripheral(name, this);
  }

  get connected(): boolean {
    return this.tx !== undefined;
  }

  /** Throws ROUTE_NO_WORKER while no gateway is subscribed (the channel resends later). */
  send(message: RoutedMessage): void {
    const tx = this.tx;
    if (tx === undefined) {
      this.stats.notConnected++;
      throw new RoutingError('ROUTE_NO_WORKER', 'BLE: no gateway connected');
    }
    for (const piece of fragment(encodeMessage(message), this.fragmentSize)) {
      // fragment() allocates each piece on its own ArrayBuffer, which is what bleserver sends.
      this.server.notifyValue(tx, piece.buffer as ArrayBuffer);
      this.stats.fragmentsOut++;
    }
    this.stats.messagesOut++;
  }

  service(): number | undefined {
    return undefined;
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.stats, ...this.reassembler.counters, fragmentSize: this.fragmentSize };
  }

  // Events from the peripheral.
  connectedTo(): void {
    this.stats.connections++;
    this.fragmentSize = fragmentSizeForMtu(ATT_MTU_MIN);
    this.reassembler = new BleReassembler();
  }

  mtuExchanged(mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < ATT_MTU_MIN) return;
    this.fragmentSize = Math.min(fragmentSizeForMtu(mtu), MAX_NOTIFICATION);
  }

  subscribed(characteristic: Characteristic): void {
    if (characteristic.name === TX_CHARACTERISTIC) {
      this.tx = characteristic;
      this.wake();
    }
  }

  written(characteristic: Characteristic, value: unknown): void {
    if (characteristic.name !== RX_CHARACTERISTIC || !(value instanceof ArrayBuffer)) return;
    const message = this.reassembler.push(new Uint8Array(value));
    if (message === undefined) return;
    this.stats.messagesIn++;
    this.inbound(message);
    this.wake();
  }

  disconnected(): void {
    this.tx = undefined;
    this.reassembler = new BleReassembler();
  }
}

/** The bleserver subclass: Moddable calls these methods; they forward to the link. */
class BurrowPeripheral extends BLEServer {
  // Names unlikely to meet BLEServer's own properties.
  private readonly burrowLink: BleDeviceLink;
  private readonly advertisedAs: string;

  constructor(name: string, link: BleDeviceLink) {
    super();
    this.advertisedAs = name;
    this.burrowLink = link;
  }

  override onReady(): void {
    this.deviceName = this.advertisedAs;
    this.advertise();
  }

  override onConnected(): void {
    this.burrowLink.connectedTo();
  }

  /** Moddable's bleserver calls it after the central's MTU exchange (absent from the 5.6.0 typings). */
  onMTUExchanged(mtu: number): void {
    this.burrowLink.mtuExchanged(mtu);
  }

  override onCharacteristicNotifyEnabled(characteristic: Characteristic): void {
    this.burrowLink.subscribed(characteristic);
  }

  override onCharacteristicWritten(characteristic: Characteristic, value: unknown): void {
    this.burrowLink.written(characteristic, value);
  }

  override onDisconnected(): void {
    this.burrowLink.disconnected();
    this.advertise();
  }

  private advertise(): void {
    this.startAdvertising({
      advertisingData: {
        flags: ADVERTISING_FLAGS,
        completeName: this.advertisedAs,
        completeUUID128List: [uuid`6E400001-B5A3-F393-E0A9-E50E24DCCA9E`],
      },
    });
  }
}
