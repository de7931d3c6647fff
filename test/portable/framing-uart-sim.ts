/**
 * A test model of a UART line between two UartLinks, in 1 ms steps, runnable on Node and XS.
 * Each end is either a gateway (unbounded receive buffer, never busy) or an ESP32: a 128-byte
 * hardware FIFO with nothing behind it, drained only when its JS is not busy, and losing (and
 * counting) every byte that arrives while it is full. Busy periods come after a delivered
 * message (a DH on a handshake message) and at random (a timer-driven DH). The wire moves
 * 11.52 bytes per ms (115200 baud, 8N1) and drops or flips bytes from a seeded generator.
 * Each end follows the UartLink shell contract: drain the UART into receive() right before
 * poll(), and poll() only when not busy.
 */
import { UartLink, type UartLinkOptions } from '../../protocol/framing/uart-link.ts';
import { UART_FIFO_BYTES } from '../../protocol/framing/uart-link-frame.ts';

/** A small seeded generator (xorshift32): fast enough for a decision per byte, also on XS. */
export class TestRandom {
  private s: number;
  constructor(seed: number) {
    this.s = (seed | 0) || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x | 0;
    return (x >>> 0) / 0x100000000;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** 115200 baud, 8N1: ten bit times per byte. */
const BYTES_PER_SECOND = 11520;

export interface EndModel {
  /** ESP32-like: a 128-byte FIFO and busy periods. Otherwise a gateway. */
  readonly device: boolean;
  /** Chance that delivering a message starts a busy period. */
  readonly busyAfterDelivery?: number;
  /** Chance per ms, when idle, of a spontaneous busy period. */
  readonly busyPerMs?: number;
  /** Busy periods last up to this long. */
  readonly maxBusyMs?: number;
}

export interface LineModel {
  readonly dropPerByte: number;
  readonly flipPerByte: number;
}

export class SimEnd {
  link: UartLink;
  /** Bytes that reached this end and wait to be read (bounded for a device). */
  private readonly inbox: number[] = [];
  /** Bytes this end wrote that are still on the wire toward the other end. */
  readonly wire: number[] = [];
  private wireHead = 0;
  busyUntil = 0;
  overruns = 0;
  /** Messages delivered here, in order. */
  readonly delivered: Uint8Array[] = [];
  /** Messages this end's application still has to hand to send(). */
  readonly outbox: Uint8Array[] = [];

  constructor(readonly model: EndModel, private readonly options: UartLinkOptions) {
    this.link = new UartLink(options);
  }

  /** Power cycle: a fresh link, the inbox and anything unsent are gone. */
  restart(): void {
    this.link = new UartLink(this.options);
    this.inbox.length = 0;
    this.outbox.length = 0;
  }

  arrive(byte: number): void {
    if (this.model.device && this.inbox.length >= UART_FIFO_BYTES) this.overruns++;
    else this.inbox.push(byte);
  }

  /** Takes up to `n` bytes off this end's outgoing wire. */
  transmit(n: number): number[] {
    const out = this.wire.slice(this.wireHead, this.wireHead + n);
    this.wireHead += out.length;
    if (this.wireHead > 4096) {
      this.wire.splice(0, this.wireHead);
      this.wireHead = 0;
    }
    return out;
  }

  get wireIdle(): boolean {
    return this.wireHead >= this.wire.length;
  }

  /** One ms of this end's JS: unless busy, drain, receive, maybe get busy, send, poll. */
  turn(now: number, random: TestRandom): void {
    if (now < this.busyUntil) return;
    const m = this.model;
    if (m.device && random.next() < (m.busyPerMs ?? 0)) {
      this.busyUntil = now + 1 + random.int(m.maxBusyMs ?? 0);
      return;
    }
    const bytes = Uint8Array.from(this.inbox);
    this.inbox.length = 0;
    const got = this.link.receive(bytes, now);
    for (const message of got) this.delivered.push(message);
    if (m.device && got.length > 0 && random.next() < (m.busyAfterDelivery ?? 0)) {
      // Busy handling what arrived: no ACK until done (the next turn drains again first).
      this.busyUntil = now + 1 + random.int(m.maxBusyMs ?? 0);
      return;
    }
    while (this.outbox.length > 0 && this.link.queued < 2) this.link.send(this.outbox.shift()!);
    for (let frame = this.link.poll(now); frame !== undefined; frame = this.link.poll(now)) {
      for (let i = 0; i < frame.length; i++) this.wire.push(frame[i]!);
    }
  }
}

export class LineSim {
  now = 0;
  private carry = 0;
  readonly random: TestRandom;

  constructor(readonly a: SimEnd, readonly b: SimEnd, private readonly line: LineModel, seed: number) {
    this.random = new TestRandom(seed);
  }

  step(): void {
    this.now++;
    this.carry += BYTES_PER_SECOND / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    this.carryBytes(this.a, this.b, n);
    this.carryBytes(this.b, this.a, n);
    this.a.turn(this.now, this.random);
    this.b.turn(this.now, this.random);
  }

  /** Steps until `done` holds or `maxMs` pass; returns whether `done` held. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    while (this.now < end) {
      if (done()) return true;
      this.step();
    }
    return done();
  }

  private carryBytes(from: SimEnd, to: SimEnd, n: number): void {
    for (const byte of from.transmit(n)) {
      if (this.random.next() < this.line.dropPerByte) continue;
      to.arrive(this.random.next() < this.line.flipPerByte ? byte ^ (1 << this.random.int(8)) : byte);
    }
  }
}

/** Message `index` of a stream: its index in the first two bytes, then seeded filler. */
export function numberedMessage(index: number, length: number, random: TestRandom): Uint8Array {
  const out = random.bytes(Math.max(length, 2));
  out[0] = index & 0xff;
  out[1] = (index >> 8) & 0xff;
  return out;
}
