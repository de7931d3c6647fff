/**
 * A noble 1.9 custom binding onto the simulated radio (hub.ts), so tests and simulators run
 * the real noble classes (Noble, Peripheral, Service, Characteristic) with no Bluetooth
 * adapter:
 *
 *   const noble = simulatedNoble({ endpoint: hub.endpoint, desiredMtu: 256 });
 *
 * The binding contract is what lib/noble.js calls and listens to (the HCI binding in
 * lib/hci-socket/bindings.js is the reference for event order and arguments): methods init,
 * startScanning/stopScanning, connect/cancelConnect/disconnect, discoverServices,
 * discoverCharacteristics, read/write/notify, descriptors, handles, updateRssi; events
 * stateChange, addressChange, scanStart/scanStop, discover, connect (error or null),
 * disconnect (HCI reason), onMtu, servicesDiscover, characteristicsDiscover, read (with
 * isNotification = true for notifications), write, notify, descriptorsDiscover,
 * valueRead/valueWrite, handleRead/handleWrite/handleNotify, rssiUpdate. UUIDs are noble's
 * lower-case, dash-less form; peripheral ids are MAC addresses without colons.
 *
 * Like the HCI binding, the central starts the MTU exchange right after connecting (asking
 * for `desiredMtu`, default 256 as noble's HCI binding does) and reports it with 'onMtu'
 * before any discovery answer. A GATT request on a lost link is never answered, exactly as
 * noble behaves: callers need their own timeouts. Losing the hub connection looks like an
 * adapter power-off (stateChange 'poweredOff', then a disconnect per link) and the binding
 * keeps redialling the hub.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dialRadio } from './peripheral.ts';
import {
  type CentralToHub,
  type CharacteristicSpec,
  fromBase64,
  type HubToCentral,
  peripheralIdOf,
  RadioConnection,
  toBase64,
} from './radio-wire.ts';

// Protocol constants.
/** Client Characteristic Configuration descriptor: subscribing writes 0x0001 to it. */
const CCCD_UUID = '2902';

// Our limits.
/** noble's HCI binding asks for 256; the gateway may ask for more. */
export const DEFAULT_DESIRED_MTU = 256;
/** Redial delay after the hub connection is lost or refused. */
const REDIAL_MS = 500;

export interface SimRadioBindingOptions {
  readonly endpoint: string;
  readonly desiredMtu?: number;
  /** Fixed adapter address (aa:bb:cc:dd:ee:ff); otherwise the hub assigns one. */
  readonly address?: string;
}

interface KnownCharacteristic {
  readonly service: string;
  readonly characteristic: string;
  readonly notifies: boolean;
}

export class SimRadioBinding extends EventEmitter {
  private readonly endpoint: string;
  private readonly desiredMtu: number;
  private readonly requestedAddress: string | undefined;
  private connection: RadioConnection<HubToCentral, CentralToHub> | undefined;
  private state = 'unknown';
  private scanning: { serviceUuids: string[]; allowDuplicates: boolean } | undefined;
  private readonly connected = new Set<string>();
  /** noble id -> MAC, learned from advertisements. */
  private readonly addresses = new Map<string, string>();
  /** Per peripheral id: value handle -> characteristic, and the reverse. */
  private readonly handles = new Map<string, Map<number, KnownCharacteristic>>();
  private stopped = false;
  private redialTimer: NodeJS.Timeout | undefined;

  constructor(options: SimRadioBindingOptions) {
    super();
    this.endpoint = options.endpoint;
    this.desiredMtu = options.desiredMtu ?? DEFAULT_DESIRED_MTU;
    this.requestedAddress = options.address;
  }

  // Adapter.

  init(): void {
    this.stopped = false;
    void this.dial();
  }

  /** Not part of noble's contract: disconnects from the hub for good (tests, shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.redialTimer !== undefined) clearTimeout(this.redialTimer);
    this.connection?.close();
  }

  reset(): void {
    this.connection?.socket.destroy();
  }

  setScanParameters(): void {
    this.emit('scanParametersSet');
  }

  startScanning(serviceUuids: string[] | undefined, allowDuplicates: boolean | undefined): void {
    this.scanning = { serviceUuids: (serviceUuids ?? []).map((u) => u.toLowerCase()), allowDuplicates: allowDuplicates === true };
    this.send({ t: 'scan', ...this.scanning });
    this.emit('scanStart', !this.scanning.allowDuplicates);
  }

  stopScanning(): void {
    this.scanning = undefined;
    this.send({ t: 'stopScan' });
    this.emit('scanStop');
  }

  // Connections.

  connect(peripheralId: string): void {
    this.handles.set(peripheralId, new Map());
    this.send({ t: 'connect', peripheral: this.addressOf(peripheralId), mtu: this.desiredMtu });
  }

  cancelConnect(peripheralId: string): void {
    this.send({ t: 'cancelConnect', peripheral: this.addressOf(peripheralId) });
  }

  disconnect(peripheralId: string): void {
    this.send({ t: 'disconnect', peripheral: this.addressOf(peripheralId) });
  }

  updateRssi(peripheralId: string): void {
    if (this.connected.has(peripheralId)) this.emit('rssiUpdate', peripheralId, -55);
  }

  // GATT.

  discoverServices(peripheralId: string, uuids: string[] | undefined): void {
    this.send({ t: 'discoverServices', peripheral: this.addressOf(peripheralId), uuids: uuids ?? [] });
  }

  discoverIncludedServices(peripheralId: string, serviceUuid: string): void {
    // The simulated GATT tables have no included services.
    if (this.connected.has(peripheralId)) this.emit('includedServicesDiscover', peripheralId, serviceUuid, []);
  }

  discoverCharacteristics(peripheralId: string, serviceUuid: string, uuids: string[] | undefined): void {
    this.send({ t: 'discoverCharacteristics', peripheral: this.addressOf(peripheralId), service: serviceUuid, uuids: uuids ?? [] });
  }

  read(peripheralId: string, serviceUuid: string, characteristicUuid: string): void {
    this.send({ t: 'read', peripheral: this.addressOf(peripheralId), service: serviceUuid, characteristic: characteristicUuid });
  }

  write(peripheralId: string, serviceUuid: string, characteristicUuid: string, data: Uint8Array, withoutResponse: boolean): void {
    this.send({
      t: 'write',
      peripheral: this.addressOf(peripheralId),
      service: serviceUuid,
      characteristic: characteristicUuid,
      data: toBase64(data),
      withoutResponse: withoutResponse === true,
    });
  }

  broadcast(peripheralId: string, serviceUuid: string, characteristicUuid: string, broadcast: boolean): void {
    if (this.connected.has(peripheralId)) this.emit('broadcast', peripheralId, serviceUuid, characteristicUuid, broadcast);
  }

  notify(peripheralId: string, serviceUuid: string, characteristicUuid: string, enable: boolean): void {
    this.send({ t: 'subscribe', peripheral: this.addressOf(peripheralId), service: serviceUuid, characteristic: characteristicUuid, enabled: enable });
  }

  discoverDescriptors(peripheralId: string, serviceUuid: string, characteristicUuid: string): void {
    if (!this.connected.has(peripheralId)) return;
    const handle = this.findHandle(peripheralId, serviceUuid, characteristicUuid);
    const notifying = handle !== undefined && this.handles.get(peripheralId)?.get(handle)?.notifies === true;
    this.emit('descriptorsDiscover', peripheralId, serviceUuid, characteristicUuid, notifying ? [CCCD_UUID] : []);
  }

  readValue(peripheralId: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string): void {
    if (!this.connected.has(peripheralId)) return;
    this.emit('valueRead', peripheralId, serviceUuid, characteristicUuid, descriptorUuid, Buffer.alloc(descriptorUuid === CCCD_UUID ? 2 : 0));
  }

  /** Writing the CCCD is how a central subscribes: 0x0001 notify, 0x0002 indicate, 0 off. */
  writeValue(peripheralId: string, serviceUuid: string, characteristicUuid: string, descriptorUuid: string, data: Uint8Array): void {
    if (!this.connected.has(peripheralId)) return;
    if (descriptorUuid === CCCD_UUID) this.notify(peripheralId, serviceUuid, characteristicUuid, (data[0] ?? 0) !== 0);
    this.emit('valueWrite', peripheralId, serviceUuid, characteristicUuid, descriptorUuid);
  }

  readHandle(peripheralId: string, handle: number): void {
    const known = this.handles.get(peripheralId)?.get(handle);
    if (known !== undefined) this.read(peripheralId, known.service, known.characteristic);
  }

  writeHandle(peripheralId: string, handle: number, data: Uint8Array, withoutResponse: boolean): void {
    const known = this.handles.get(peripheralId)?.get(handle);
    if (known !== undefined) this.write(peripheralId, known.service, known.characteristic, data, withoutResponse);
  }

  // The hub.

  private async dial(): Promise<void> {
    if (this.stopped) return;
    try {
      const socket = await dialRadio(this.endpoint);
      if (this.stopped) {
        socket.destroy();
        return;
      }
      this.connection = new RadioConnection<HubToCentral, CentralToHub>(socket, (m) => this.onMessage(m), () => this.onHubLost());
      this.connection.send({ t: 'hello', role: 'central', ...(this.requestedAddress === undefined ? {} : { address: this.requestedAddress }) });
    } catch {
      this.setState('poweredOff');
      this.scheduleRedial();
    }
  }

  private scheduleRedial(): void {
    if (this.stopped || this.redialTimer !== undefined) return;
    this.redialTimer = setTimeout(() => {
      this.redialTimer = undefined;
      void this.dial();
    }, REDIAL_MS);
  }

  private onHubLost(): void {
    this.connection = undefined;
    this.setState('poweredOff');
    this.scheduleRedial();
  }

  private send(message: CentralToHub): void {
    this.connection?.send(message);
  }

  private setState(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('stateChange', state);
    if (state !== 'poweredOn') {
      // Every link went with the adapter; noble learns it per peripheral.
      for (const id of [...this.connected]) this.lose(id, 0x16);
    }
  }

  private lose(id: string, reason: number): void {
    if (!this.connected.delete(id)) return;
    this.emit('disconnect', id, reason);
  }

  private addressOf(peripheralId: string): string {
    return this.addresses.get(peripheralId) ?? (peripheralId.match(/.{1,2}/g) ?? []).join(':');
  }

  private findHandle(id: string, service: string, characteristic: string): number | undefined {
    for (const [handle, known] of this.handles.get(id) ?? []) {
      if (known.service === service && known.characteristic === characteristic) return handle;
    }
    return undefined;
  }

  /** Handles in the order the HCI stack would give them: declaration, value, CCCD. */
  private assignHandles(id: string, service: string, characteristics: readonly CharacteristicSpec[]): void {
    const table = this.handles.get(id) ?? new Map<number, KnownCharacteristic>();
    this.handles.set(id, table);
    let next = 1;
    for (const handle of table.keys()) next = Math.max(next, handle + 2);
    for (const c of characteristics) {
      if (this.findHandle(id, service, c.uuid) !== undefined) continue;
      const notifies = c.properties.includes('notify') || c.properties.includes('indicate');
      table.set(next + 1, { service, characteristic: c.uuid, notifies });
      next += notifies ? 3 : 2;
    }
  }

  private onMessage(message: HubToCentral): void {
    switch (message.t) {
      case 'welcome':
        this.emit('addressChange', message.address);
        this.setState(message.state);
        if (this.scanning !== undefined && message.state === 'poweredOn') this.send({ t: 'scan', ...this.scanning });
        return;
      case 'state':
        if (message.state !== 'poweredOn') this.scanning = undefined;
        this.setState(message.state);
        return;
      case 'refused':
        this.connection?.close();
        return;
      case 'discover': {
        const id = peripheralIdOf(message.peripheral);
        this.addresses.set(id, message.peripheral);
        const advertisement = {
          localName: message.advertisement.localName,
          txPowerLevel: undefined,
          manufacturerData: undefined,
          serviceData: [],
          serviceUuids: [...message.advertisement.serviceUuids],
          serviceSolicitationUuids: [],
        };
        this.emit('discover', id, message.peripheral, 'public', true, advertisement, message.rssi, true);
        return;
      }
      case 'connected': {
        const id = peripheralIdOf(message.peripheral);
        if (message.error !== undefined) {
          this.emit('connect', id, new Error(message.error));
          return;
        }
        this.connected.add(id);
        this.emit('connect', id, null);
        return;
      }
      case 'mtu':
        this.emit('onMtu', peripheralIdOf(message.peripheral), message.mtu);
        return;
      case 'disconnected':
        this.lose(peripheralIdOf(message.peripheral), message.reason);
        return;
      case 'services':
        this.emit('servicesDiscover', peripheralIdOf(message.peripheral), message.uuids);
        return;
      case 'characteristics': {
        const id = peripheralIdOf(message.peripheral);
        this.assignHandles(id, message.service, message.characteristics);
        this.emit('characteristicsDiscover', id, message.service, message.characteristics.map((c) => ({ uuid: c.uuid, properties: [...c.properties] })));
        return;
      }
      case 'written': {
        const id = peripheralIdOf(message.peripheral);
        this.emit('write', id, message.service, message.characteristic);
        const handle = this.findHandle(id, message.service, message.characteristic);
        if (handle !== undefined) this.emit('handleWrite', id, handle);
        return;
      }
      case 'value': {
        const id = peripheralIdOf(message.peripheral);
        const data = fromBase64(message.data);
        this.emit('read', id, message.service, message.characteristic, data, message.notification);
        const handle = this.findHandle(id, message.service, message.characteristic);
        if (handle !== undefined) this.emit(message.notification ? 'handleNotify' : 'handleRead', id, handle, data);
        return;
      }
      case 'subscribed':
        this.emit('notify', peripheralIdOf(message.peripheral), message.service, message.characteristic, message.enabled);
        return;
    }
  }
}

/** The noble object type, kept opaque here: the gateway declares the parts it uses. */
export type NobleInstance = EventEmitter;

/** Real noble classes over the simulated radio (noble/with-bindings, loaded from ESM). */
export function simulatedNoble(options: SimRadioBindingOptions): { noble: NobleInstance; binding: SimRadioBinding } {
  const require = createRequire(import.meta.url);
  const withBindings = require('@abandonware/noble/with-bindings') as (binding: EventEmitter) => NobleInstance;
  const binding = new SimRadioBinding(options);
  return { noble: withBindings(binding), binding };
}
