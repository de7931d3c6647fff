/**
 * Shim of ECMA-419 `embedded:io/serial` (Moddable's ESP32 UART) for a simulated device.
 *
 * Receive: the host delivers bytes (serialReceive) that have already been through its model of
 * the 128-byte hardware FIFO (bytes that arrived while the device was busy and overflowed it
 * are lost there, sim-device.ts); read() hands out what is buffered.
 * Transmit: write() passes the bytes to the host at once, and the 128-byte TX FIFO drains at
 * the baud rate on the device clock: a write larger than the free space throws, as the real
 * driver refuses to block, and onWritable reports the space when it has drained.
 */
import { DeviceOp } from '../device-calls.ts';
import { addTimer, deviceCall, guarded, type SimTimer } from './runtime.ts';

// Protocol constants (ESP32 UART).
const TX_FIFO_BYTES = 128;
/** A UART byte on the wire: start bit, 8 data bits, stop bit. */
const BITS_PER_BYTE = 10;

type SerialBuffer = ArrayBuffer | ArrayBufferView | SharedArrayBuffer;

export interface SerialOptions {
  readonly port: number;
  readonly receive?: number;
  readonly transmit?: number;
  readonly baud: number;
  readonly flowControl?: 'hardware' | 'none';
  readonly format?: 'number' | 'buffer';
  readonly onReadable?: (this: Serial, bytes: number) => void;
  readonly onWritable?: (this: Serial, bytes: number) => void;
  readonly target?: unknown;
}

const ports = new Map<number, Serial>();

/** Host -> device: bytes for UART `port` (unknown or closed ports drop them, like an unwired pin). */
export function serialReceive(port: number, bytes: Uint8Array): boolean {
  const serial = ports.get(port);
  if (serial === undefined) return false;
  serial.deliver(bytes);
  return true;
}

function toBytes(value: SerialBuffer): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(value);
}

export default class Serial {
  readonly resolution = 8;
  format: 'number' | 'buffer';
  readonly target: unknown;
  private readonly port: number;
  private readonly baud: number;
  private readonly onReadable: ((this: Serial, bytes: number) => void) | undefined;
  private readonly onWritable: ((this: Serial, bytes: number) => void) | undefined;
  private rx = new Uint8Array(0);
  private txFree = TX_FIFO_BYTES;
  private drain: SimTimer | undefined;
  private closed = false;

  constructor(options: SerialOptions) {
    if (ports.has(options.port)) throw new Error(`serial port ${options.port} is in use`);
    if (!(options.baud > 0)) throw new RangeError('invalid baud');
    this.port = options.port;
    this.baud = options.baud;
    this.format = options.format ?? 'number';
    this.target = options.target;
    this.onReadable = options.onReadable;
    this.onWritable = options.onWritable;
    ports.set(this.port, this);
  }

  read(arg?: number | SerialBuffer): number | ArrayBuffer | undefined {
    if (this.format === 'number' && arg === undefined) {
      if (this.rx.length === 0) return undefined;
      const b = this.rx[0]!;
      this.rx = this.rx.subarray(1);
      return b;
    }
    if (arg === undefined || typeof arg === 'number') {
      const n = Math.min(this.rx.length, arg ?? this.rx.length);
      if (n === 0) return undefined;
      const out = this.rx.slice(0, n);
      this.rx = this.rx.subarray(n);
      return out.buffer;
    }
    const target = toBytes(arg);
    const n = Math.min(target.length, this.rx.length);
    target.set(this.rx.subarray(0, n));
    this.rx = this.rx.subarray(n);
    return n;
  }

  write(value: number | SerialBuffer): void {
    if (this.closed) throw new Error('serial port closed');
    const bytes = typeof value === 'number' ? Uint8Array.of(value & 0xff) : toBytes(value);
    if (bytes.length > this.txFree) throw new Error(`serial write of ${bytes.length} bytes exceeds the ${this.txFree} free in the TX FIFO`);
    this.txFree -= bytes.length;
    const body = new Uint8Array(1 + bytes.length);
    body[0] = this.port;
    body.set(bytes, 1);
    deviceCall(DeviceOp.SERIAL_WRITE, body);
    this.scheduleDrain(bytes.length);
  }

  flush(): void {
    this.rx = new Uint8Array(0);
  }

  set(_options: Readonly<Record<string, unknown>>): void {}

  close(): void {
    this.closed = true;
    ports.delete(this.port);
  }

  /** Called through serialReceive. */
  deliver(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    const joined = new Uint8Array(this.rx.length + bytes.length);
    joined.set(this.rx);
    joined.set(bytes, this.rx.length);
    this.rx = joined;
    const onReadable = this.onReadable;
    if (onReadable) guarded('serial onReadable', () => onReadable.call(this, this.rx.length));
  }

  /** The TX FIFO empties at the baud rate; onWritable reports the space once it has. */
  private scheduleDrain(bytes: number): void {
    const ms = Math.ceil((bytes * BITS_PER_BYTE * 1000) / this.baud);
    if (this.drain !== undefined) {
      this.drain.due += ms;
      return;
    }
    this.drain = addTimer(() => {
      this.drain = undefined;
      this.txFree = TX_FIFO_BYTES;
      const onWritable = this.onWritable;
      if (onWritable && !this.closed) onWritable.call(this, TX_FIFO_BYTES);
    }, ms, 0);
  }
}
