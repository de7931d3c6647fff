/**
 * A simulated BLE peripheral: the device side of the simulated radio (hub.ts), usable from any
 * process. This is the API a Moddable `bleserver` shim sits on; the mapping is one to one.
 *
 *   const p = await SimPeripheral.attach({ endpoint, address: 'c0:de:00:00:00:2a' });
 *   p.handlers.onWrite = (characteristic, value) => { ...consume value... };  // may return a Promise
 *   p.on('connect', (central, mtu) => ...);     // BLEServer.onConnected + onMTUExchanged
 *   p.on('subscribe', (characteristic, enabled) => ...);  // onCharacteristicNotifyEnabled/Disabled
 *   p.on('disconnect', (reason) => ...);         // onDisconnected (HCI reason code)
 *   p.advertise({ localName: 'burrow-1', serviceUuids: [SERVICE] },
 *               [{ uuid: SERVICE, characteristics: [
 *                  { uuid: RX, properties: ['write'] },     // gateway -> device
 *                  { uuid: TX, properties: ['notify'] } ] }]);  // device -> gateway
 *   p.notify(TX, fragment);                      // BLEServer.notifyValue; false if nobody listens
 *
 * Semantics the firmware can rely on (and must not rely on beyond):
 * - `endpoint` is the hub's socket path or 'tcp:127.0.0.1:<port>' (RadioHub.endpoint).
 * - `address` fixes the device's MAC, so a restarted device keeps its noble id
 *   (address without colons); omitted, the hub assigns one (p.address).
 * - `maxMtu` (default 256, an ESP32's default configuration) caps the ATT MTU; the central
 *   starts the exchange, and 'connect' reports the result. A notification carries at most
 *   mtu - 3 bytes (p.maxNotification): the radio truncates longer ones silently, as an ESP32
 *   does, so the device must fragment to this size (protocol/framing/ble-fragment.ts).
 * - Writes arrive one at a time in order. A write with response is answered when onWrite
 *   returns (or its Promise settles): the central cannot send the next one before, which is
 *   the link's flow control. A device busy in a DH simply answers late. If onWrite throws,
 *   the write is still answered (ATT has no way to say "the application failed") and the
 *   error is emitted as 'error'.
 * - Once connected the device is no longer advertising; after a disconnect it advertises again
 *   with the same data unless `autoAdvertise: false` (then call advertise() yourself).
 * - notify() before the central subscribed, or after a disconnect, returns false and sends
 *   nothing (a real stack drops it too).
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { ConfigError } from '../../protocol/errors.ts';
import { parseEndpoint } from './hub.ts';
import {
  ATT_HEADER,
  type AdvertisementSpec,
  DEFAULT_ATT_MTU,
  fromBase64,
  type HubToPeripheral,
  normalizeUuid,
  type PeripheralToHub,
  RadioConnection,
  type ServiceSpec,
  toBase64,
} from './radio-wire.ts';

// Our limits.
/** An ESP32's default local MTU: notifications of at most 253 bytes. */
export const DEFAULT_PERIPHERAL_MTU = 256;

export interface SimPeripheralOptions {
  readonly endpoint: string;
  readonly address?: string;
  readonly maxMtu?: number;
  readonly autoAdvertise?: boolean;
}

export interface PeripheralHandlers {
  onWrite?: (characteristic: string, value: Uint8Array) => void | Promise<void>;
  onRead?: (characteristic: string) => Uint8Array;
}

/** Opens a stream socket to a radio endpoint (socket path or tcp:host:port). */
export function dialRadio(endpoint: string): Promise<Socket> {
  const target = parseEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const socket = 'path' in target ? netConnect(target.path) : netConnect(target.port, target.host);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

interface PendingWrite {
  readonly id: number;
  readonly characteristic: string;
  readonly value: Uint8Array;
  readonly withoutResponse: boolean;
}

export class SimPeripheral extends EventEmitter {
  readonly handlers: PeripheralHandlers = {};
  private readonly connection: RadioConnection<HubToPeripheral, PeripheralToHub>;
  private readonly autoAdvertise: boolean;
  private assigned = '';
  private linkMtu = DEFAULT_ATT_MTU;
  private centralAddress: string | undefined;
  private readonly subscriptions = new Set<string>();
  private advertised: { advertisement: AdvertisementSpec; services: ServiceSpec[] } | undefined;
  private readonly writes: PendingWrite[] = [];
  private draining = false;

  private constructor(socket: Socket, options: SimPeripheralOptions, welcome: (address: string) => void, refused: (reason: string) => void) {
    super();
    this.autoAdvertise = options.autoAdvertise ?? true;
    this.connection = new RadioConnection<HubToPeripheral, PeripheralToHub>(
      socket,
      (message) => {
        if (message.t === 'welcome') {
          this.assigned = message.address;
          welcome(message.address);
        } else if (message.t === 'refused') {
          refused(message.reason);
          this.emit('refused', message.reason);
        } else this.onMessage(message);
      },
      () => {
        refused('radio connection closed');
        const wasConnected = this.centralAddress !== undefined;
        this.centralAddress = undefined;
        this.subscriptions.clear();
        if (wasConnected) this.emit('disconnect', 0x08);
        this.emit('close');
      },
    );
  }

  /** Attaches to the radio; rejects with CONFIG_INVALID if the hub refuses (address taken). */
  static async attach(options: SimPeripheralOptions): Promise<SimPeripheral> {
    const maxMtu = options.maxMtu ?? DEFAULT_PERIPHERAL_MTU;
    const socket = await dialRadio(options.endpoint);
    let peripheral: SimPeripheral | undefined;
    await new Promise<void>((resolve, reject) => {
      peripheral = new SimPeripheral(socket, options, () => resolve(), (reason) => reject(new ConfigError('CONFIG_INVALID', `radio refused the peripheral: ${reason}`)));
      peripheral.connection.send({ t: 'hello', role: 'peripheral', ...(options.address === undefined ? {} : { address: options.address }), maxMtu });
    });
    return peripheral!;
  }

  /** The device's MAC as the radio knows it. */
  get address(): string {
    return this.assigned;
  }

  /** The id noble gives this peripheral (the address without colons). */
  get id(): string {
    return this.assigned.split(':').join('');
  }

  get connected(): boolean {
    return this.centralAddress !== undefined;
  }

  get central(): string | undefined {
    return this.centralAddress;
  }

  /** The ATT MTU of the current link (23 before the exchange or when not connected). */
  get mtu(): number {
    return this.linkMtu;
  }

  /** Largest notification that arrives whole: mtu - 3. */
  get maxNotification(): number {
    return this.linkMtu - ATT_HEADER;
  }

  isSubscribed(characteristic: string): boolean {
    return this.subscriptions.has(normalizeUuid(characteristic));
  }

  advertise(advertisement: AdvertisementSpec, services: ServiceSpec[]): void {
    this.advertised = { advertisement, services };
    this.connection.send({ t: 'advertise', advertisement, services });
  }

  stopAdvertising(): void {
    this.advertised = undefined;
    this.connection.send({ t: 'stopAdvertising' });
  }

  /** Sends one notification; false (nothing sent) unless connected and subscribed. */
  notify(characteristic: string, value: Uint8Array): boolean {
    const uuid = normalizeUuid(characteristic);
    if (!this.connected || !this.subscriptions.has(uuid)) return false;
    this.connection.send({ t: 'notify', characteristic: uuid, data: toBase64(value) });
    return true;
  }

  /** The device ends the link. */
  disconnect(): void {
    this.connection.send({ t: 'disconnect' });
  }

  /** Leaves the radio (a powered-down device). */
  close(): void {
    this.connection.close();
  }

  private onMessage(message: HubToPeripheral): void {
    switch (message.t) {
      case 'connect':
        this.centralAddress = message.central;
        this.linkMtu = message.mtu;
        this.emit('connect', message.central, message.mtu);
        return;
      case 'disconnect':
        this.centralAddress = undefined;
        this.linkMtu = DEFAULT_ATT_MTU;
        this.subscriptions.clear();
        this.emit('disconnect', message.reason);
        if (this.autoAdvertise && this.advertised !== undefined) this.advertise(this.advertised.advertisement, this.advertised.services);
        return;
      case 'subscribe':
        if (message.enabled) this.subscriptions.add(message.characteristic);
        else this.subscriptions.delete(message.characteristic);
        this.emit('subscribe', message.characteristic, message.enabled);
        return;
      case 'write':
        this.writes.push({ id: message.id, characteristic: message.characteristic, value: new Uint8Array(fromBase64(message.data)), withoutResponse: message.withoutResponse });
        void this.drainWrites();
        return;
      case 'read': {
        let value: Uint8Array = new Uint8Array(0);
        try {
          value = this.handlers.onRead?.(message.characteristic) ?? value;
        } catch (error) {
          this.emit('error', error);
        }
        this.connection.send({ t: 'readDone', id: message.id, data: toBase64(value) });
        return;
      }
      default:
        return;
    }
  }

  /** One write at a time, answered after the application consumed it. */
  private async drainWrites(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let write = this.writes.shift(); write !== undefined; write = this.writes.shift()) {
        try {
          await this.handlers.onWrite?.(write.characteristic, write.value);
        } catch (error) {
          if (this.listenerCount('error') > 0) this.emit('error', error);
        }
        this.emit('write', write.characteristic, write.value);
        if (!write.withoutResponse) this.connection.send({ t: 'writeDone', id: write.id });
      }
    } finally {
      this.draining = false;
    }
  }
}
