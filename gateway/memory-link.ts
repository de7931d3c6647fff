/**
 * The in-memory twin of a device link: the device side is a pair of calls instead of a radio
 * or a wire. Tests use it to drive the gateway's routing, policy and queues without timing,
 * and the bench to load one gateway with thousands of devices.
 *
 *   const link = new MemoryLink(parseAddress('ble:dev-1'), { sink, log });
 *   link.onDevice = (message) => …;   // what the gateway sends the device
 *   link.connect();                    // link up: queued downlink messages flow
 *   link.fromDevice(bytes);            // the device sends one link message
 */
import type { Address } from '../protocol/routing/address.ts';
import { DeviceLink, type DeviceLinkOptions } from './device-link.ts';

export class MemoryLink extends DeviceLink {
  /** The device's receive side; set by the test or bench. */
  onDevice: (message: Uint8Array) => void = () => undefined;

  constructor(address: Address, options: DeviceLinkOptions) {
    super(address, 'memory', options);
  }

  connect(): void {
    this.setUp(true);
  }

  disconnect(): void {
    this.setUp(false);
  }

  /** The device sent `message`; ignored while the link is down, as on a real link. */
  fromDevice(message: Uint8Array): void {
    if (this.up) this.deliverUp(message);
  }

  async close(): Promise<void> {
    this.setUp(false);
  }

  protected transmit(): void {
    while (this.up) {
      const next = this.downlink.shift();
      if (next === undefined) return;
      this.countDown(next.item);
      this.onDevice(next.item);
    }
  }

  protected linkDrops(): Record<string, number> {
    return {};
  }
}
