/**
 * The simulated BLE radio: one hub process-side server that plays the air and both ends'
 * controllers. Simulated peripherals (peripheral.ts) and centrals (noble-binding.ts) attach
 * over a unix socket (or a local TCP port), so devices can live in other processes.
 *
 * What it models, because the gateway must cope with it on real radios:
 * - advertising and scanning with service-UUID filters; a connected peripheral stops
 *   advertising (one central per peripheral, as on an ESP32 in its default configuration);
 * - connecting to a peripheral that is not advertising waits (as LE Create Connection does)
 *   until it advertises or the central cancels;
 * - the ATT MTU exchange, started by the central (a peripheral cannot start it): the result is
 *   min(central's request, peripheral's maximum);
 * - notifications truncated silently to MTU - 3 bytes (an ESP32 does this: 253 bytes at
 *   MTU 256), and dropped when the central has not subscribed;
 * - write with response answered only after the peripheral's application consumed the value:
 *   this is the link's flow control;
 * - on a link loss, GATT requests in flight are never answered (noble leaves them pending).
 * Faults, for tests: dropLink (supervision timeout), failConnects (connection failed to be
 * established), setPower (adapter power-off: the central sees poweredOff and loses every
 * link), stall (the link stays up but nothing crosses it).
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { ConfigError } from '../../protocol/errors.ts';
import {
  ATT_HEADER,
  type AdapterState,
  type AdvertisementSpec,
  type CentralToHub,
  DEFAULT_ATT_MTU,
  fromBase64,
  HCI_REASON,
  type HubToCentral,
  MAX_ATTRIBUTE_VALUE,
  type HubToPeripheral,
  normalizeUuid,
  type PeripheralToHub,
  RadioConnection,
  type ServiceSpec,
  toBase64,
} from './radio-wire.ts';

// Our limits.
/** Largest ATT_MTU either side may offer (Core: 517 is the most a 512-byte value needs). */
const MAX_MTU = 517;
/** RSSI reported in advertisements: a fixed, plausible value (distance is not modelled). */
const SIMULATED_RSSI = -55;

type PeripheralConnection = RadioConnection<PeripheralToHub, HubToPeripheral>;
type CentralConnection = RadioConnection<CentralToHub, HubToCentral>;

interface PeripheralNode {
  readonly connection: PeripheralConnection;
  readonly address: string;
  readonly maxMtu: number;
  advertising: boolean;
  advertisement: AdvertisementSpec | undefined;
  services: ServiceSpec[];
  link: Link | undefined;
}

interface CentralNode {
  readonly connection: CentralConnection;
  readonly address: string;
  state: AdapterState;
  scan: { readonly serviceUuids: readonly string[]; readonly allowDuplicates: boolean } | undefined;
  /** Peripheral address -> requested MTU, for connects waiting for an advertisement. */
  readonly pendingConnects: Map<string, number>;
  readonly links: Map<string, Link>;
}

interface Link {
  readonly central: CentralNode;
  readonly peripheral: PeripheralNode;
  readonly mtu: number;
  readonly subscriptions: Set<string>;
  /** Request id -> the central-side names to answer with. */
  readonly pending: Map<number, { readonly service: string; readonly characteristic: string }>;
  stalled: boolean;
}

export interface RadioHubOptions {
  /** Unix socket path; omit to listen on an ephemeral TCP port on 127.0.0.1. */
  readonly socketPath?: string;
}

export interface LinkInfo {
  readonly central: string;
  readonly peripheral: string;
  readonly mtu: number;
  readonly subscriptions: readonly string[];
}

/** Events: 'attach' (address), 'connect' (LinkInfo), 'disconnect' ({central, peripheral, reason}). */
export class RadioHub extends EventEmitter {
  private readonly peripherals = new Map<string, PeripheralNode>();
  private readonly centrals = new Map<string, CentralNode>();
  private readonly failures = new Map<string, number>();
  private readonly stalledPeripherals = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private nextAddress = 1;
  private nextRequest = 1;

  private constructor(
    private readonly server: Server,
    /** What clients pass to attach: a socket path, or 'tcp:127.0.0.1:<port>'. */
    readonly endpoint: string,
  ) {
    super();
  }

  static async start(options: RadioHubOptions = {}): Promise<RadioHub> {
    const server = createServer();
    if (options.socketPath !== undefined) await rm(options.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (options.socketPath !== undefined) server.listen(options.socketPath, resolve);
      else server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    const endpoint = options.socketPath ?? (typeof address === 'object' && address !== null ? `tcp:127.0.0.1:${address.port}` : '');
    const hub = new RadioHub(server, endpoint);
    server.on('connection', (socket) => hub.accept(socket));
    return hub;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Current links, for assertions and status. */
  links(): LinkInfo[] {
    const out: LinkInfo[] = [];
    for (const p of this.peripherals.values()) {
      const link = p.link;
      if (link !== undefined) out.push({ central: link.central.address, peripheral: p.address, mtu: link.mtu, subscriptions: [...link.subscriptions] });
    }
    return out;
  }

  /** Addresses of attached peripherals that are advertising now. */
  advertising(): string[] {
    return [...this.peripherals.values()].filter((p) => p.advertising).map((p) => p.address);
  }

  // Faults.

  /** The link to `peripheral` is lost (supervision timeout): both ends see a disconnect. */
  dropLink(peripheral: string, reason: number = HCI_REASON.connectionTimeout): boolean {
    const link = this.peripherals.get(peripheral.toLowerCase())?.link;
    if (link === undefined) return false;
    this.endLink(link, reason, reason);
    return true;
  }

  /** The next `count` connection attempts to `peripheral` fail to be established. */
  failConnects(peripheral: string, count: number): void {
    this.failures.set(peripheral.toLowerCase(), count);
  }

  /** Adapter power: off drops every link of the central(s) and stops their scans. */
  setPower(on: boolean, central?: string): void {
    for (const c of this.centrals.values()) {
      if (central !== undefined && c.address !== central.toLowerCase()) continue;
      this.setCentralState(c, on ? 'poweredOn' : 'poweredOff');
    }
  }

  /** A stalled link stays up but carries nothing: requests vanish, notifications are lost. */
  stall(peripheral: string, stalled: boolean): void {
    const address = peripheral.toLowerCase();
    if (stalled) this.stalledPeripherals.add(address);
    else this.stalledPeripherals.delete(address);
    const link = this.peripherals.get(address)?.link;
    if (link !== undefined) link.stalled = stalled;
  }

  // Attaching.

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let role: 'peripheral' | 'central' | undefined;
    let peripheral: PeripheralNode | undefined;
    let central: CentralNode | undefined;
    // The first message says which side this is; the connection's types follow from it.
    const connection = new RadioConnection<PeripheralToHub | CentralToHub, HubToPeripheral | HubToCentral>(
      socket,
      (message) => {
        if (role === undefined) {
          if (message.t !== 'hello') return connection.close();
          role = message.role;
          if (message.role === 'peripheral') peripheral = this.attachPeripheral(connection as PeripheralConnection, message.address, message.maxMtu);
          else central = this.attachCentral(connection as CentralConnection, message.address);
          if (peripheral === undefined && central === undefined) connection.close();
          return;
        }
        if (peripheral !== undefined) this.onPeripheralMessage(peripheral, message as PeripheralToHub);
        else if (central !== undefined) this.onCentralMessage(central, message as CentralToHub);
      },
      () => {
        if (peripheral !== undefined) this.detachPeripheral(peripheral);
        if (central !== undefined) this.detachCentral(central);
      },
    );
  }

  private allocateAddress(): string {
    const n = this.nextAddress++;
    const bytes = [0xc0, 0xde, (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }

  private claimAddress(requested: string | undefined, refuse: (reason: string) => void): string | undefined {
    if (requested === undefined) {
      let address = this.allocateAddress();
      while (this.peripherals.has(address) || this.centrals.has(address)) address = this.allocateAddress();
      return address;
    }
    const address = requested.toLowerCase();
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(address)) {
      refuse('address must look like aa:bb:cc:dd:ee:ff');
      return undefined;
    }
    if (this.peripherals.has(address) || this.centrals.has(address)) {
      refuse(`address ${address} is already attached`);
      return undefined;
    }
    return address;
  }

  private attachPeripheral(connection: PeripheralConnection, requested: string | undefined, maxMtu: number): PeripheralNode | undefined {
    const refuse = (reason: string) => connection.send({ t: 'refused', reason });
    if (!Number.isInteger(maxMtu) || maxMtu < DEFAULT_ATT_MTU || maxMtu > MAX_MTU) {
      refuse(`maxMtu must be ${DEFAULT_ATT_MTU}-${MAX_MTU}`);
      return undefined;
    }
    const address = this.claimAddress(requested, refuse);
    if (address === undefined) return undefined;
    const node: PeripheralNode = { connection, address, maxMtu, advertising: false, advertisement: undefined, services: [], link: undefined };
    this.peripherals.set(address, node);
    connection.send({ t: 'welcome', address });
    this.emit('attach', address);
    return node;
  }

  private attachCentral(connection: CentralConnection, requested: string | undefined): CentralNode | undefined {
    const address = this.claimAddress(requested, (reason) => connection.send({ t: 'refused', reason }));
    if (address === undefined) return undefined;
    const node: CentralNode = { connection, address, state: 'poweredOn', scan: undefined, pendingConnects: new Map(), links: new Map() };
    this.centrals.set(address, node);
    connection.send({ t: 'welcome', address, state: node.state });
    return node;
  }

  private detachPeripheral(node: PeripheralNode): void {
    if (node.link !== undefined) this.endLink(node.link, HCI_REASON.connectionTimeout, undefined);
    this.peripherals.delete(node.address);
  }

  private detachCentral(node: CentralNode): void {
    for (const link of [...node.links.values()]) this.endLink(link, undefined, HCI_REASON.connectionTimeout);
    this.centrals.delete(node.address);
  }

  // Peripheral side.

  private onPeripheralMessage(node: PeripheralNode, message: PeripheralToHub): void {
    switch (message.t) {
      case 'advertise':
        return this.advertise(node, message.advertisement, message.services);
      case 'stopAdvertising':
        node.advertising = false;
        return;
      case 'notify':
        return this.notify(node, message.characteristic, message.data);
      case 'writeDone': {
        const link = node.link;
        const request = link?.pending.get(message.id);
        if (link === undefined || request === undefined || link.stalled) return;
        link.pending.delete(message.id);
        link.central.connection.send({ t: 'written', peripheral: node.address, ...request });
        return;
      }
      case 'readDone': {
        const link = node.link;
        const request = link?.pending.get(message.id);
        if (link === undefined || request === undefined || link.stalled) return;
        link.pending.delete(message.id);
        link.central.connection.send({ t: 'value', peripheral: node.address, ...request, data: message.data, notification: false });
        return;
      }
      case 'disconnect':
        if (node.link !== undefined) this.endLink(node.link, HCI_REASON.localHostTerminated, HCI_REASON.remoteUserTerminated);
        return;
      case 'hello':
        return;
    }
  }

  private advertise(node: PeripheralNode, advertisement: AdvertisementSpec, services: ServiceSpec[]): void {
    try {
      node.advertisement = {
        ...(advertisement.localName === undefined ? {} : { localName: advertisement.localName }),
        serviceUuids: advertisement.serviceUuids.map(normalizeUuid),
      };
      node.services = services.map((s) => ({
        uuid: normalizeUuid(s.uuid),
        characteristics: s.characteristics.map((c) => ({ uuid: normalizeUuid(c.uuid), properties: [...c.properties] })),
      }));
    } catch (error) {
      node.connection.send({ t: 'refused', reason: (error as Error).message });
      return;
    }
    if (node.link !== undefined) return; // a connected peripheral's table is fixed until it disconnects
    node.advertising = true;
    for (const central of this.centrals.values()) {
      if (central.pendingConnects.has(node.address)) {
        const mtu = central.pendingConnects.get(node.address)!;
        central.pendingConnects.delete(node.address);
        this.connect(central, node, mtu);
        if (node.link !== undefined) return;
      }
    }
    for (const central of this.centrals.values()) this.announce(central, node);
  }

  private announce(central: CentralNode, node: PeripheralNode): void {
    const scan = central.scan;
    const advertisement = node.advertisement;
    if (scan === undefined || central.state !== 'poweredOn' || !node.advertising || advertisement === undefined) return;
    if (scan.serviceUuids.length > 0 && !advertisement.serviceUuids.some((u) => scan.serviceUuids.includes(u))) return;
    central.connection.send({ t: 'discover', peripheral: node.address, advertisement, rssi: SIMULATED_RSSI });
  }

  private notify(node: PeripheralNode, characteristic: string, data: string): void {
    const link = node.link;
    if (link === undefined || link.stalled) return;
    const uuid = characteristic.toLowerCase();
    if (!link.subscriptions.has(uuid)) return;
    const service = node.services.find((s) => s.characteristics.some((c) => c.uuid === uuid));
    if (service === undefined) return;
    // The ESP32 truncates silently to what one notification PDU holds.
    const value = fromBase64(data);
    const room = link.mtu - ATT_HEADER;
    const sent = value.length > room ? toBase64(value.subarray(0, room)) : data;
    link.central.connection.send({ t: 'value', peripheral: node.address, service: service.uuid, characteristic: uuid, data: sent, notification: true });
  }

  // Central side.

  private onCentralMessage(central: CentralNode, message: CentralToHub): void {
    if (central.state !== 'poweredOn') return; // a powered-off adapter sends nothing
    switch (message.t) {
      case 'scan':
        central.scan = { serviceUuids: message.serviceUuids.map((u) => u.toLowerCase()), allowDuplicates: message.allowDuplicates };
        for (const node of this.peripherals.values()) this.announce(central, node);
        return;
      case 'stopScan':
        central.scan = undefined;
        return;
      case 'connect': {
        const address = message.peripheral.toLowerCase();
        const node = this.peripherals.get(address);
        if (node !== undefined && node.advertising) this.connect(central, node, message.mtu);
        else central.pendingConnects.set(address, message.mtu);
        return;
      }
      case 'cancelConnect':
        central.pendingConnects.delete(message.peripheral.toLowerCase());
        return;
      case 'disconnect': {
        const link = central.links.get(message.peripheral.toLowerCase());
        if (link !== undefined) this.endLink(link, HCI_REASON.remoteUserTerminated, HCI_REASON.localHostTerminated);
        return;
      }
      case 'hello':
        return;
      default:
        return this.gattRequest(central, message);
    }
  }

  private connect(central: CentralNode, node: PeripheralNode, requestedMtu: number): void {
    const failures = this.failures.get(node.address) ?? 0;
    if (failures > 0) {
      this.failures.set(node.address, failures - 1);
      central.connection.send({ t: 'connected', peripheral: node.address, error: 'Connection Failed to be Established (0x3e)' });
      return;
    }
    const mtu = Math.max(DEFAULT_ATT_MTU, Math.min(Number.isInteger(requestedMtu) ? requestedMtu : DEFAULT_ATT_MTU, node.maxMtu, MAX_MTU));
    const link: Link = {
      central,
      peripheral: node,
      mtu,
      subscriptions: new Set(),
      pending: new Map(),
      stalled: this.stalledPeripherals.has(node.address),
    };
    node.advertising = false;
    node.link = link;
    central.links.set(node.address, link);
    // noble's HCI binding reports the connection, then the MTU exchange it starts at once.
    central.connection.send({ t: 'connected', peripheral: node.address });
    central.connection.send({ t: 'mtu', peripheral: node.address, mtu });
    node.connection.send({ t: 'connect', central: central.address, mtu });
    this.emit('connect', { central: central.address, peripheral: node.address, mtu, subscriptions: [] } satisfies LinkInfo);
  }

  /** Ends a link; each side told with its own reason, or not at all (undefined: it left). */
  private endLink(link: Link, peripheralReason: number | undefined, centralReason: number | undefined): void {
    const node = link.peripheral;
    if (node.link !== link) return;
    node.link = undefined;
    link.central.links.delete(node.address);
    link.pending.clear();
    if (peripheralReason !== undefined) node.connection.send({ t: 'disconnect', reason: peripheralReason });
    if (centralReason !== undefined) link.central.connection.send({ t: 'disconnected', peripheral: node.address, reason: centralReason });
    this.emit('disconnect', { central: link.central.address, peripheral: node.address, reason: centralReason ?? peripheralReason });
  }

  private setCentralState(central: CentralNode, state: AdapterState): void {
    if (central.state === state) return;
    central.state = state;
    central.connection.send({ t: 'state', state });
    if (state === 'poweredOff') {
      central.scan = undefined;
      central.pendingConnects.clear();
      for (const link of [...central.links.values()]) this.endLink(link, HCI_REASON.connectionTimeout, HCI_REASON.localHostTerminated);
    }
  }

  private gattRequest(central: CentralNode, message: Exclude<CentralToHub, { t: 'hello' | 'scan' | 'stopScan' | 'connect' | 'cancelConnect' | 'disconnect' }>): void {
    const link = central.links.get(message.peripheral.toLowerCase());
    // Not connected, or a frozen link: the request goes nowhere and is never answered.
    if (link === undefined || link.stalled) return;
    const node = link.peripheral;
    const peripheral = node.address;
    switch (message.t) {
      case 'discoverServices': {
        const wanted = message.uuids.map((u) => u.toLowerCase());
        const uuids = node.services.map((s) => s.uuid).filter((u) => wanted.length === 0 || wanted.includes(u));
        central.connection.send({ t: 'services', peripheral, uuids });
        return;
      }
      case 'discoverCharacteristics': {
        const service = node.services.find((s) => s.uuid === message.service.toLowerCase());
        const wanted = message.uuids.map((u) => u.toLowerCase());
        const characteristics = (service?.characteristics ?? []).filter((c) => wanted.length === 0 || wanted.includes(c.uuid));
        central.connection.send({ t: 'characteristics', peripheral, service: message.service, characteristics });
        return;
      }
      case 'subscribe': {
        const uuid = message.characteristic.toLowerCase();
        const spec = node.services.find((s) => s.uuid === message.service.toLowerCase())?.characteristics.find((c) => c.uuid === uuid);
        if (spec === undefined || !(spec.properties.includes('notify') || spec.properties.includes('indicate'))) return;
        if (message.enabled) link.subscriptions.add(uuid);
        else link.subscriptions.delete(uuid);
        node.connection.send({ t: 'subscribe', characteristic: uuid, enabled: message.enabled });
        central.connection.send({ t: 'subscribed', peripheral, service: message.service, characteristic: message.characteristic, enabled: message.enabled });
        return;
      }
      case 'write': {
        const id = this.nextRequest++;
        const names = { service: message.service, characteristic: message.characteristic };
        // ATT refuses a value longer than an attribute holds; noble never hears back.
        if (fromBase64(message.data).length > MAX_ATTRIBUTE_VALUE) return;
        if (!message.withoutResponse) link.pending.set(id, names);
        node.connection.send({ t: 'write', id, characteristic: message.characteristic.toLowerCase(), data: message.data, withoutResponse: message.withoutResponse });
        if (message.withoutResponse) central.connection.send({ t: 'written', peripheral, ...names });
        return;
      }
      case 'read': {
        const id = this.nextRequest++;
        link.pending.set(id, { service: message.service, characteristic: message.characteristic });
        node.connection.send({ t: 'read', id, characteristic: message.characteristic.toLowerCase() });
        return;
      }
    }
  }
}

/** Throws CONFIG_INVALID for an endpoint that is neither a socket path nor tcp:host:port. */
export function parseEndpoint(endpoint: string): { path: string } | { host: string; port: number } {
  const match = /^tcp:([^:]+):(\d{1,5})$/.exec(endpoint);
  if (match !== null) return { host: match[1]!, port: Number(match[2]) };
  if (endpoint.length === 0 || endpoint.startsWith('tcp:')) throw new ConfigError('CONFIG_INVALID', `radio endpoint '${endpoint.slice(0, 60)}' is not a socket path or tcp:host:port`);
  return { path: endpoint };
}
