/**
 * The gateway's BLE central: scans for devices advertising the gateway service, admits up to
 * `maxLinks` of them (a Raspberry Pi holds about 7 stable links), and gives each its BleLink,
 * which then owns connecting and reconnecting. A device that stays away longer than
 * `forgetAfterMs` is forgotten (its slot and queued messages go), so a fleet that moves on
 * does not keep the slots forever.
 *
 * Adapter power: links wait for 'poweredOn'; on power-off noble reports each link lost, and
 * scanning restarts when the adapter is back.
 */
import type { Logger } from '../../transport-node/log.ts';
import type { LinkTable } from '../link-table.ts';
import { BleLink, type BleLinkOptions } from './ble-link.ts';
import type { NobleCentral, NoblePeripheral } from './noble-types.ts';

// Our limits.
/** How often forgotten devices are looked for. */
const SWEEP_MS = 5_000;

export interface BleCentralOptions extends Omit<BleLinkOptions, 'adapterReady'> {
  readonly maxLinks: number;
  readonly forgetAfterMs: number;
  /** Only these peripheral ids (noble's form), if given. */
  readonly allowIds?: readonly string[];
  /** Only devices whose advertised name starts with this, if given. */
  readonly namePrefix?: string;
  readonly table: LinkTable;
  readonly log: Logger;
}

export class BleCentral {
  private readonly links = new Map<string, BleLink>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Devices seen but not admitted because every slot was taken. */
  refusedForCapacity = 0;

  constructor(
    private readonly noble: NobleCentral,
    private readonly options: BleCentralOptions,
  ) {
    noble.on('stateChange', this.onStateChange);
    noble.on('discover', this.onDiscover);
    this.sweeper = setInterval(() => this.forgetAbsent(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Starts scanning once the adapter is on (reading `state` initialises the binding). */
  start(): void {
    if (this.noble.state === 'poweredOn') this.scan();
  }

  get adapterState(): string {
    return this.noble.state;
  }

  all(): BleLink[] {
    return [...this.links.values()];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.noble.off('stateChange', this.onStateChange);
    this.noble.off('discover', this.onDiscover);
    if (this.noble.state === 'poweredOn') this.noble.stopScanning();
    await Promise.all([...this.links.values()].map((link) => this.forget(link, false)));
  }

  private readonly onStateChange = (state: string) => {
    this.options.log.info({ adapter: state }, 'ble adapter state');
    if (state === 'poweredOn' && !this.closed) this.scan();
  };

  private readonly onDiscover = (peripheral: NoblePeripheral) => {
    if (this.closed || this.links.has(peripheral.id) || !this.admissible(peripheral)) return;
    if (this.links.size >= this.options.maxLinks) {
      this.refusedForCapacity++;
      return;
    }
    const link = new BleLink(peripheral, { ...this.options, adapterReady: (signal) => this.adapterReady(signal) });
    this.links.set(peripheral.id, link);
    this.options.table.add(link);
    this.options.log.info({ device: link.key, name: peripheral.advertisement.localName }, 'ble device admitted');
    link.start();
  };

  private admissible(peripheral: NoblePeripheral): boolean {
    const { allowIds, namePrefix, gatt } = this.options;
    if (allowIds !== undefined && !allowIds.includes(peripheral.id)) return false;
    if (namePrefix !== undefined && !(peripheral.advertisement.localName ?? '').startsWith(namePrefix)) return false;
    return (peripheral.advertisement.serviceUuids ?? []).includes(gatt.service);
  }

  private scan(): void {
    // Duplicates on: a device forgotten earlier must be seen again when it comes back.
    this.noble.startScanning([this.options.gatt.service], true, (error) => {
      if (error) this.options.log.warn({ error: error.message }, 'ble scan did not start');
    });
  }

  private adapterReady(signal: AbortSignal): Promise<void> {
    if (this.noble.state === 'poweredOn' || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.noble.off('stateChange', onState);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onState = (state: string) => state === 'poweredOn' && done();
      this.noble.on('stateChange', onState);
      signal.addEventListener('abort', done);
    });
  }

  private forgetAbsent(): void {
    const now = Date.now();
    for (const link of this.links.values()) {
      if (link.downSince !== undefined && now - link.downSince > this.options.forgetAfterMs) void this.forget(link, true);
    }
  }

  private async forget(link: BleLink, absent: boolean): Promise<void> {
    this.links.delete(link.peripheral.id);
    this.options.table.remove(link);
    if (absent) {
      const queued = link.status().downlinkQueued;
      if (queued > 0) link.drop('link_forgotten', queued);
      this.options.log.info({ device: link.key }, 'ble device forgotten after a long absence');
    }
    await link.close();
  }
}
