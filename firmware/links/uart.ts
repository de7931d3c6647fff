/**
 * The UART link on the device: ECMA-419 `embedded:io/serial` under the core's stop-and-wait
 * UART link (protocol/framing/uart-link.ts, the same state machine the gateway runs), so a
 * gateway never writes more than the ESP32's 128-byte receive FIFO holds while the device is
 * busy with a DH.
 *
 * Shell contract of UartLink, kept here: everything readable is fed to receive() in one go in
 * onReadable, the messages it completes are handed on, and only then does the device loop call
 * poll() (through service()), so an ACK always means "consumed and ready for more".
 *
 * Writes respect the transmit side too: `onWritable` reports how many bytes the TX FIFO takes
 * without blocking, and a frame that does not fit waits for the next report.
 */
import Serial from 'embedded:io/serial';
import { encodeMessage } from '../../protocol/routing/codec.ts';
import type { RoutedMessage } from '../../protocol/routing/message.ts';
import { UartLink } from '../../protocol/framing/uart-link.ts';
import { UART_FIFO_BYTES } from '../../protocol/framing/uart-link-frame.ts';
import type { UartConfig } from '../config.ts';
import type { DeviceLink, Inbound, Wake } from './link.ts';

export class UartDeviceLink implements DeviceLink {
  readonly kind = 'uart' as const;
  private readonly link = new UartLink();
  private readonly serial: Serial;
  /** A frame poll() produced that the TX FIFO could not take yet. */
  private pending: Uint8Array | undefined;
  /** TX FIFO space, from the last onWritable (an empty FIFO until the first). */
  private writable = UART_FIFO_BYTES;

  constructor(config: UartConfig, private readonly inbound: Inbound, private readonly clock: () => number, private readonly wake: Wake) {
    // Callbacks run with `this` bound to the Serial instance: they reach the link through `link`.
    const link = this;
    this.serial = new Serial({
      port: config.port,
      receive: config.receive,
      transmit: config.transmit,
      baud: config.baud,
      format: 'buffer',
      onReadable() {
        link.onReadable();
      },
      onWritable(bytes: number) {
        link.writable = bytes;
        link.wake();
      },
    });
  }

  get connected(): boolean {
    return this.link.state === 'established';
  }

  /** Queues a message for the gateway; throws FRAME_QUEUE_FULL or FRAME_OVERSIZE to the router's caller. */
  send(message: RoutedMessage): void {
    this.link.send(encodeMessage(message));
    this.wake();
  }

  service(now: number): number | undefined {
    for (;;) {
      const frame = this.pending ?? this.link.poll(now);
      if (frame === undefined) break;
      if (frame.length > this.writable) {
        this.pending = frame;
        return undefined; // onWritable wakes us
      }
      this.pending = undefined;
      this.serial.write(frame);
      this.writable -= frame.length;
    }
    return this.link.nextDeadline();
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.link.counters, ...this.link.wireCounters };
  }

  private onReadable(): void {
    const now = this.clock();
    for (;;) {
      const chunk = this.serial.read();
      if (!(chunk instanceof ArrayBuffer) || chunk.byteLength === 0) break;
      for (const message of this.link.receive(new Uint8Array(chunk), now)) this.inbound(message);
    }
    this.wake();
  }
}
