/**
 * A serial cable between a simulated device's UART port and the other end (a gateway's UART
 * link in memory, or a pseudo-terminal), with the line's timing: at `baud`, every byte takes
 * 10 bit times, and a direction carries one byte at a time, so a burst arrives when the line
 * has shifted it out, not at once.
 *
 * Fault injection for tests: `cut` drops everything in both directions while set (an unplugged
 * cable); `corruptEvery` flips one byte in every n-th chunk (line noise the CRC must catch).
 */
import type { World } from './world.ts';
import type { UartPort } from './sim-device.ts';

/** Start bit, 8 data bits, stop bit. */
const BITS_PER_BYTE = 10;

export interface WireCounters {
  toDevice: number;
  fromDevice: number;
  /** Bytes dropped while the wire was cut. */
  cutBytes: number;
  corruptedChunks: number;
}

export class UartWire {
  cut = false;
  corruptEvery = 0;
  readonly counters: WireCounters = { toDevice: 0, fromDevice: 0, cutBytes: 0, corruptedChunks: 0 };
  private freeToDevice = 0;
  private freeFromDevice = 0;
  private chunks = 0;

  /**
   * Connects `port` to `peer` (what the far end does with bytes from the device).
   * Bytes for the device go through toDevice().
   */
  constructor(private readonly world: World, private readonly port: UartPort, private readonly peer: (bytes: Uint8Array) => void, private readonly baud = 115_200) {
    port.listener = (bytes, at) => this.carry(bytes, at, 'fromDevice');
  }

  /** The far end writes `bytes` now. */
  toDevice(bytes: Uint8Array): void {
    this.carry(bytes, this.world.now(), 'toDevice');
  }

  private carry(bytes: Uint8Array, at: number, direction: 'toDevice' | 'fromDevice'): void {
    if (this.cut) {
      this.counters.cutBytes += bytes.length;
      return;
    }
    let data = bytes;
    if (this.corruptEvery > 0 && ++this.chunks % this.corruptEvery === 0 && data.length > 0) {
      data = data.slice();
      const i = this.chunks % data.length;
      data[i] = data[i]! ^ 0x5a;
      this.counters.corruptedChunks++;
    }
    const duration = (data.length * BITS_PER_BYTE * 1000) / this.baud;
    const free = direction === 'toDevice' ? this.freeToDevice : this.freeFromDevice;
    const arrival = Math.max(free, at) + duration;
    if (direction === 'toDevice') this.freeToDevice = arrival;
    else this.freeFromDevice = arrival;
    this.counters[direction] += data.length;
    this.world.at(arrival, () => {
      if (this.cut) {
        this.counters.cutBytes += data.length;
        return;
      }
      if (direction === 'toDevice') this.port.receive(data);
      else this.peer(data);
    });
  }
}
