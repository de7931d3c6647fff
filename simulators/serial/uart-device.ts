/**
 * A simulated device at the far end of a serial line: a real serialport on one end of a pty
 * pair, running the core's UartLink as the firmware does, with the ESP32's constraint made
 * explicit: while the device is busy (a DH, `busy(ms)`), incoming bytes land in a 128-byte
 * FIFO and everything beyond it is lost (counted in `overruns`). A gateway that respects the
 * link's flow control never causes an overrun.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { UartLink, type UartLinkOptions } from '../../protocol/framing/uart-link.ts';

// Our limits (the ESP32's).
/** The UART's hardware receive FIFO. */
export const ESP32_UART_FIFO = 128;

export interface UartDeviceOptions {
  readonly baudRate?: number;
  readonly fifoBytes?: number;
  readonly link?: UartLinkOptions;
}

/** Events: 'message' (Uint8Array), 'established'. */
export class UartDevice extends EventEmitter {
  readonly link: UartLink;
  /** Bytes lost because they arrived while the FIFO was full. */
  overruns = 0;
  private readonly fifo: number[] = [];
  private readonly fifoBytes: number;
  private busyUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private wasEstablished = false;

  private constructor(private readonly port: SerialPort, options: UartDeviceOptions) {
    super();
    this.link = new UartLink(options.link);
    this.fifoBytes = options.fifoBytes ?? ESP32_UART_FIFO;
    port.on('data', (chunk: Buffer) => this.onBytes(chunk));
    port.on('error', () => undefined); // a vanished pty: 'close' follows
  }

  static async open(path: string, options: UartDeviceOptions = {}): Promise<UartDevice> {
    const port = new SerialPort({ path, baudRate: options.baudRate ?? 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const device = new UartDevice(port, options);
    device.service();
    return device;
  }

  get established(): boolean {
    return this.link.state === 'established';
  }

  /** Queues a message for the gateway (throws FRAME_QUEUE_FULL like the firmware's link). */
  send(message: Uint8Array): void {
    this.link.send(message);
    this.service();
  }

  /** The device computes for `ms`: it reads nothing, bytes pile into the FIFO. */
  busy(ms: number): void {
    this.busyUntil = Date.now() + ms;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.service(), ms);
  }

  /** Raw bytes on the wire (noise, a corrupted frame). */
  writeRaw(bytes: Uint8Array): void {
    this.port.write(Buffer.from(bytes));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private onBytes(chunk: Buffer): void {
    if (Date.now() < this.busyUntil) {
      for (const byte of chunk) {
        if (this.fifo.length < this.fifoBytes) this.fifo.push(byte);
        else this.overruns++;
      }
      return;
    }
    this.fifo.push(...chunk);
    this.service();
  }

  /** Drains the FIFO into the link, delivers, writes what is due, and sets the next wake-up. */
  private service(): void {
    clearTimeout(this.timer);
    const now = Date.now();
    if (now < this.busyUntil) {
      this.timer = setTimeout(() => this.service(), this.busyUntil - now);
      return;
    }
    if (this.fifo.length > 0) {
      const bytes = Uint8Array.from(this.fifo.splice(0));
      for (const message of this.link.receive(bytes, now)) this.emit('message', message);
    }
    for (let frame = this.link.poll(now); frame !== undefined; frame = this.link.poll(now)) this.port.write(Buffer.from(frame));
    if (this.established && !this.wasEstablished) this.emit('established');
    this.wasEstablished = this.established;
    const deadline = this.link.nextDeadline();
    if (deadline !== undefined) this.timer = setTimeout(() => this.service(), Math.max(0, deadline - now));
  }
}
