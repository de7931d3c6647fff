/**
 * One UART device link over `serialport`: the core's UartLink state machine (COBS + CRC-16
 * frames, stop-and-wait with POLL, RESET; protocol/framing/uart-link.ts) driven by the port's
 * bytes and a timer, the same machine the device runs.
 *
 * Shell duties, per the UartLink header: feed every chunk to receive() right before poll(),
 * write each frame poll() returns, and wake at nextDeadline(). The downlink queue hands the
 * UartLink one message at a time and removes it only when the device acknowledged all of it;
 * if the UartLink gives up on a silent device (its queue dropped), the message is still at the
 * head of ours and goes again after the link resets.
 *
 * Backpressure: while this device's upstream share is full the link stops polling, so its
 * ACK is withheld and the device, which sends nothing unacknowledged, waits. Held for at most
 * `maxHoldMs` (the device gives a silent peer up after ~12.6 s): then frames are taken again
 * and the ingress drops what does not fit.
 *
 * Unplugging closes the port ('close' with disconnected = true); the link then opens a new
 * port object with backoff until the path is back, and restarts the UartLink (RESET), since
 * the device may have restarted too.
 */
import type { Buffer } from 'node:buffer';
import type { EventEmitter } from 'node:events';
import { FrameError } from '../../protocol/errors.ts';
import { UartLink, type UartLinkOptions } from '../../protocol/framing/uart-link.ts';
import { Address, TransportType } from '../../protocol/routing/address.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { DeviceLink, type DeviceLinkOptions } from '../device-link.ts';
import { errorCode } from '../errors.ts';

// Our limits.
/** While congested, how often to look again whether the device may be read. */
const CONGESTION_RECHECK_MS = 20;
/** Default longest hold-off: well inside the device's 12.6 s before it gives up on us. */
export const DEFAULT_MAX_HOLD_MS = 2_000;

/** The parts of a serialport stream the link uses (SerialPort, SerialPortMock). */
export interface PortLike extends EventEmitter {
  open(callback: (error: Error | null) => void): void;
  write(data: Buffer | Uint8Array): boolean;
  close(callback?: (error: Error | null) => void): void;
  readonly isOpen: boolean;
}

export type PortFactory = (path: string, baudRate: number) => PortLike;

export interface SerialLinkOptions extends DeviceLinkOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly openPort: PortFactory;
  readonly backoff: BackoffOptions;
  readonly uart?: UartLinkOptions;
  readonly maxHoldMs?: number;
}

interface PortSession {
  readonly port: PortLike;
  readonly uart: UartLink;
  /** The downlink head has been handed to the UartLink. */
  given: boolean;
  sentSeen: number;
  droppedSeen: number;
}

export class SerialLink extends DeviceLink {
  private readonly backoff: Backoff;
  private session: PortSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private holdingSince: number | undefined;
  private closed = false;
  /** Link-layer drops of sessions that ended, so counters survive a replug. */
  private readonly pastDrops: Record<string, number> = {};

  constructor(private readonly options: SerialLinkOptions) {
    super(new Address(TransportType.UART, options.path), 'uart', options);
    this.backoff = new Backoff(options.backoff);
  }

  start(): void {
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.reopenTimer);
    const session = this.session;
    if (session !== undefined && session.port.isOpen) await new Promise<void>((resolve) => session.port.close(() => resolve()));
    this.endSession();
  }

  protected override detail(): Record<string, string | number> {
    return { path: this.options.path, baudRate: this.options.baudRate, state: this.session?.uart.state ?? 'closed' };
  }

  protected linkDrops(): Record<string, number> {
    const out = { ...this.pastDrops };
    if (this.session !== undefined) for (const [k, v] of Object.entries(this.sessionDrops(this.session.uart))) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  private sessionDrops(uart: UartLink): Record<string, number> {
    const w = uart.wireCounters;
    const c = uart.counters;
    return { bad_crc: w.badCrc, oversize: w.oversize, garbage: w.malformed, fragment_gap: c.reassemblyErrors, ignored: c.ignoredFrames, peer_timeout: c.peerTimeouts };
  }

  private open(): void {
    if (this.closed) return;
    let port: PortLike;
    try {
      port = this.options.openPort(this.options.path, this.options.baudRate);
    } catch (error) {
      this.scheduleReopen(error);
      return;
    }
    port.open((error) => {
      if (error) {
        this.scheduleReopen(error);
        return;
      }
      if (this.closed) {
        port.close();
        return;
      }
      this.backoff.reset();
      const session: PortSession = { port, uart: new UartLink(this.options.uart), given: false, sentSeen: 0, droppedSeen: 0 };
      this.session = session;
      port.on('data', (chunk: Buffer) => this.onData(session, chunk));
      port.on('error', (e: Error) => this.log.warn({ device: this.key, code: errorCode(e) }, 'serial port error'));
      port.on('close', (e?: Error & { disconnected?: boolean }) => this.onClose(session, e));
      this.log.info({ device: this.key, baudRate: this.options.baudRate }, 'serial port open');
      this.service();
    });
  }

  private scheduleReopen(error: unknown): void {
    if (this.closed) return;
    const delay = this.backoff.next();
    if (this.backoff.attempts <= 1 || this.backoff.attempts % 10 === 0) {
      this.log.warn({ device: this.key, code: errorCode(error), retryMs: delay }, 'serial port unavailable');
    }
    this.reopenTimer = setTimeout(() => this.open(), delay);
  }

  private onData(session: PortSession, chunk: Buffer): void {
    if (session !== this.session) return;
    const now = Date.now();
    for (const message of session.uart.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), now)) this.deliverUp(message);
    this.service();
  }

  private onClose(session: PortSession, error?: Error & { disconnected?: boolean }): void {
    if (session !== this.session) return;
    this.log.warn({ device: this.key, unplugged: error?.disconnected === true }, 'serial port closed');
    this.endSession();
    this.scheduleReopen(error ?? new Error('closed'));
  }

  private endSession(): void {
    const session = this.session;
    if (session === undefined) return;
    for (const [k, v] of Object.entries(this.sessionDrops(session.uart))) this.pastDrops[k] = (this.pastDrops[k] ?? 0) + v;
    this.session = undefined;
    clearTimeout(this.timer);
    this.setUp(false);
  }

  /** Accounts for acknowledgements, hands over the next message, writes what is due. */
  private service(): void {
    const session = this.session;
    if (session === undefined) return;
    clearTimeout(this.timer);
    const { uart, port } = session;
    const now = Date.now();
    if (this.sink.congested(this)) {
      this.holdingSince ??= now;
      if (now - this.holdingSince < (this.options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS)) {
        this.timer = setTimeout(() => this.service(), CONGESTION_RECHECK_MS);
        return;
      }
    } else this.holdingSince = undefined;
    for (;;) {
      this.account(session);
      this.feed(session);
      const frame = uart.poll(now);
      if (frame === undefined) break;
      port.write(frame);
    }
    this.account(session);
    this.setUp(uart.state === 'established', { path: this.options.path });
    const deadline = uart.nextDeadline();
    if (deadline !== undefined) this.timer = setTimeout(() => this.service(), Math.max(0, deadline - now));
  }

  private account(session: PortSession): void {
    const c = session.uart.counters;
    if (c.messagesSent > session.sentSeen) {
      session.sentSeen = c.messagesSent;
      session.given = false;
      const done = this.downlink.shift();
      if (done !== undefined) this.countDown(done.item);
    }
    if (c.messagesDropped > session.droppedSeen) {
      // The UartLink gave the device up; our copy is still queued and goes after the reset.
      session.droppedSeen = c.messagesDropped;
      session.given = false;
      this.log.warn({ device: this.key }, 'uart peer silent: link reset, message kept for retry');
    }
  }

  private feed(session: PortSession): void {
    if (session.given || session.uart.state !== 'established') return;
    const head = this.downlink.peek();
    if (head === undefined) return;
    try {
      session.uart.send(head.item);
      session.given = true;
    } catch (error) {
      if (error instanceof FrameError && error.code === 'FRAME_OVERSIZE') {
        this.downlink.shift();
        this.drop('downlink_oversize');
      } else throw error;
    }
  }

  /** A downlink message arrived: hand it over now if the line is idle. */
  protected transmit(): void {
    if (this.session !== undefined && !this.session.given) this.service();
  }
}
