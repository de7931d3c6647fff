/**
 * The UART link: reliable, ordered, flow-controlled delivery of routed messages over one
 * serial line, as an I/O-free, timer-free state machine that both ends run (device firmware
 * and gateway). The shell feeds it bytes and the time, and writes what it returns:
 *
 *   const link = new UartLink();
 *   link.send(message);                          // queue
 *   for (const m of link.receive(bytes, now)) …  // complete messages, each exactly once
 *   let out; while ((out = link.poll(now))) uart.write(out);
 *   setTimeout(…, link.nextDeadline() - now);    // when idle, poll() again at that time
 *
 * Shell contract: read everything the UART holds into receive() right before poll(), and call
 * poll() only when ready for more input (after handling what receive() returned). Then an ACK
 * means "consumed and ready", and anything this end writes speaks for everything that arrived.
 *
 * Why: the ESP32 reads a 128-byte hardware FIFO with nothing behind it; at 115200 baud it fills
 * in about 11 ms, while a DH takes far longer. So (frame formats in uart-link-frame.ts):
 * - Stop-and-wait per direction: one DATA frame in flight, sized (with everything else we may
 *   write meanwhile, see the budget in uart-link-frame.ts) to fit the FIFO. Messages larger
 *   than one frame are fragmented and reassembled in a bounded buffer.
 * - The receiver ACKs a DATA frame when it has consumed it and is ready for the next, so a
 *   sender never writes into a busy device more than the FIFO holds.
 * - On a timeout the sender does not resend DATA blind (a busy receiver would get two copies
 *   and overrun): it sends a 7-byte POLL (HDLC's checkpointing idea), with exponential
 *   backoff. The peer answers with a REPLY echoing the POLL's token; on an in-order line
 *   that answer covers everything sent before the POLL, so "next == seq" proves the DATA was
 *   lost and only then is it retransmitted. A lost ACK costs a POLL, never a second copy.
 * - A DATA frame with an old sequence number (a duplicate) is ACKed again, never delivered.
 * - A DATA frame that does not fit its message (damage the CRC missed) is dropped unACKed,
 *   like a bad CRC, before its sequence number is taken: only a consumed fragment is ACKed.
 * - After MAX_UNANSWERED_POLLS unanswered polls with no valid frame from the peer since the
 *   first of them (about 12.6 s of silence with the default timeouts), or
 *   MAX_RETRANSMITS resends of one frame, the peer is given up: queued messages are dropped
 *   (counted) and the link resets.
 * - RESET/RESET_ACK resynchronise after either side restarts (every link starts resetting).
 *   Both ends restart their sequence numbers at 0 and resend the message in flight from its
 *   first fragment, so a message in flight during a reset may arrive twice (the channel's
 *   replay window drops the copy end to end); between resets, delivery is exactly once.
 * The alternative, credits granted in advance, would let a sender fill the FIFO while the
 * device computes, but needs the receiver to promise space it cannot reserve in hardware.
 */
import { ConfigError, FrameError } from '../errors.ts';
import { MAX_LINK_MESSAGE } from './limits.ts';
import { Reassembly } from './reassembly.ts';
import { encodeUartFrame, type UartFrameCounters, UartFrameDecoder } from './uart-frame.ts';
import {
  DATA_HEADER_BYTES,
  encodeLinkFrame,
  FIRST_EXTRA_BYTES,
  LINK_PAYLOAD_MAX,
  type LinkFrame,
  MAX_UNANSWERED_POLLS,
  parseLinkFrame,
} from './uart-link-frame.ts';

// Our limits.
/**
 * Silence before the first POLL, in ms. A peer that is not busy answers within tens of ms (a
 * 69-byte frame takes 6 ms on the wire at 115200 baud, then one turn of the peer's loop), so
 * 200 ms of silence means a loss or a busy peer; less would spend the poll budget (five) on
 * ordinary latency.
 */
export const DEFAULT_RETRANSMIT_TIMEOUT_MS = 200;
/**
 * Cap of the doubling backoff, in ms: polls at 0.2, 0.6, 1.4, 3.0 and 6.2 s, and the peer is
 * given up at 12.6 s: longer than an ESP32 spends on a handshake message (DH and signature
 * check), short enough to notice an unplugged device within seconds.
 */
export const DEFAULT_MAX_TIMEOUT_MS = 6400;
/**
 * Messages waiting to be sent (the one in flight included). Stop-and-wait moves a few KB/s;
 * a producer that outpaces it should feel FRAME_QUEUE_FULL rather than grow memory, and the
 * gateway's store-and-forward buffer and the device's delivery buffer sit above this.
 */
export const DEFAULT_MAX_QUEUED_MESSAGES = 8;
/**
 * Retransmissions of one DATA frame before the line is declared broken: at a bit error rate of
 * 1e-4 a 69-byte frame (690 bits on the wire) is lost about 7% of the time, so eight losses in
 * a row (odds ~5e-10) mean a broken line, not bad luck.
 */
export const MAX_RETRANSMITS = 8;

export type UartLinkState = 'resetting' | 'established';

export interface UartLinkOptions {
  readonly retransmitTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  /** Largest message sent or accepted; at most MAX_LINK_MESSAGE. */
  readonly maxMessageSize?: number;
  readonly maxQueuedMessages?: number;
}

export interface UartLinkCounters {
  /** Messages the peer acknowledged in full. */
  messagesSent: number;
  messagesDelivered: number;
  /** Messages dropped when the peer was given up. */
  messagesDropped: number;
  /** DATA frames sent for the first time, and sent again after a REPLY proved a loss. */
  dataFrames: number;
  retransmits: number;
  polls: number;
  /** ACK and REPLY frames sent. */
  acks: number;
  /** DATA frames with an old sequence number: acknowledged again, not delivered. */
  duplicates: number;
  resetsSent: number;
  resetsReceived: number;
  /** Times the retry limit was reached. */
  peerTimeouts: number;
  /** Partial messages dropped (fragments inconsistent, oversize, or cut by a reset). */
  reassemblyErrors: number;
  /** Frames with a good CRC that are not link frames, or not expected in this state. */
  ignoredFrames: number;
}

function positiveInteger(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ConfigError('CONFIG_INVALID', `${name} must be an integer from 1 to ${max}`);
  return value;
}

/**
 * Whether a fragment of `length` bytes is one the sender can have sent when the message lacks
 * `missing` bytes: a LAST fragment completes it exactly, any other leaves bytes for the next.
 */
function fragmentFits(length: number, missing: number, last: boolean): boolean {
  return last ? length === missing : length < missing;
}

export class UartLink {
  private readonly baseTimeout: number;
  private readonly maxTimeout: number;
  private readonly maxMessageSize: number;
  private readonly maxQueued: number;
  private readonly decoder = new UartFrameDecoder({ maxPayload: LINK_PAYLOAD_MAX });
  private readonly count: UartLinkCounters = {
    messagesSent: 0, messagesDelivered: 0, messagesDropped: 0, dataFrames: 0, retransmits: 0, polls: 0, acks: 0,
    duplicates: 0, resetsSent: 0, resetsReceived: 0, peerTimeouts: 0, reassemblyErrors: 0, ignoredFrames: 0,
  };
  private linkState: UartLinkState = 'resetting';
  private heardAt: number | undefined = undefined;
  // Sending.
  private readonly queue: Uint8Array[] = [];
  private current: Uint8Array | undefined = undefined;
  /** Start and end of the fragment in flight (or about to be) within `current`. */
  private offset = 0;
  private fragmentEnd = 0;
  private txSeq = 0;
  /** A DATA frame was sent and is not acknowledged yet. */
  private outstanding = false;
  /** The DATA frame for txSeq must be written at the next poll (first time or again). */
  private transmitDue = false;
  private retransmission = false;
  private frameRetransmits = 0;
  private lastSentAt = 0;
  private unanswered = 0;
  /** When the current run of unanswered polls began: the peer is silent if not heard since. */
  private silentSince = 0;
  private pollToken = 0;
  /** The latest POLL went out after the latest DATA transmission, so its REPLY can prove a loss. */
  private pollCovers = false;
  // Receiving.
  private rxNext = 0;
  private readonly partial = new Reassembly();
  /** Bytes the message in `partial` still lacks (meaningful while it is active). */
  private rxMissing = 0;
  private ackDue = false;
  private replyToken: number | undefined = undefined;
  private resetAckDue = false;
  // Resetting.
  private resetAt = Number.NEGATIVE_INFINITY;
  private resetAttempts = 0;

  constructor(options: UartLinkOptions = {}) {
    this.baseTimeout = positiveInteger(options.retransmitTimeoutMs ?? DEFAULT_RETRANSMIT_TIMEOUT_MS, 'retransmitTimeoutMs');
    this.maxTimeout = positiveInteger(options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS, 'maxTimeoutMs');
    this.maxMessageSize = positiveInteger(options.maxMessageSize ?? MAX_LINK_MESSAGE, 'maxMessageSize', MAX_LINK_MESSAGE);
    this.maxQueued = positiveInteger(options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES, 'maxQueuedMessages');
  }

  get state(): UartLinkState {
    return this.linkState;
  }

  get counters(): Readonly<UartLinkCounters> {
    return this.count;
  }

  /** The UART frame decoder's counters (bad CRC, oversize, malformed). */
  get wireCounters(): Readonly<UartFrameCounters> {
    return this.decoder.counters;
  }

  /** Messages accepted by send() and not yet acknowledged by the peer. */
  get queued(): number {
    return this.queue.length + (this.current === undefined ? 0 : 1);
  }

  /** Time of the last valid link frame from the peer (health), if any. */
  get lastHeardAt(): number | undefined {
    return this.heardAt;
  }

  /** Queues a message (copied). Throws FRAME_OVERSIZE or FRAME_QUEUE_FULL. */
  send(message: Uint8Array): void {
    if (message.length > this.maxMessageSize) throw new FrameError('FRAME_OVERSIZE', `message of ${message.length} bytes exceeds ${this.maxMessageSize}`);
    if (this.queued >= this.maxQueued) throw new FrameError('FRAME_QUEUE_FULL', `${this.maxQueued} messages already queued`);
    this.queue.push(message.slice());
  }

  /** Feeds bytes read from the UART; returns the messages they complete, in order. */
  receive(bytes: Uint8Array, now: number): Uint8Array[] {
    const delivered: Uint8Array[] = [];
    for (const payload of this.decoder.push(bytes)) {
      const frame = parseLinkFrame(payload);
      if (frame === undefined) {
        this.count.ignoredFrames++;
        continue;
      }
      this.heardAt = now;
      this.handle(frame, delivered);
    }
    return delivered;
  }

  /** The next frame to write (a whole UART frame), or undefined when nothing is due now. */
  poll(now: number): Uint8Array | undefined {
    const frame = this.nextFrame(now);
    return frame === undefined ? undefined : encodeUartFrame(encodeLinkFrame(frame));
  }

  /**
   * When poll() must run again if no bytes arrive (after poll() returned undefined), or
   * undefined when only input or send() can create work.
   */
  nextDeadline(): number | undefined {
    if (this.linkState === 'resetting') return this.resetAt;
    return this.outstanding ? this.lastSentAt + this.backoff(this.unanswered) : undefined;
  }

  private backoff(attempt: number): number {
    return Math.min(this.baseTimeout * 2 ** Math.min(attempt, 30), this.maxTimeout);
  }

  private handle(frame: LinkFrame, delivered: Uint8Array[]): void {
    if (frame.kind === 'reset') return this.onPeerReset();
    if (this.linkState === 'resetting') {
      if (frame.kind === 'resetAck') {
        this.linkState = 'established';
        this.restartCurrent();
      } else this.count.ignoredFrames++;
      return;
    }
    switch (frame.kind) {
      case 'data':
        return this.onData(frame, delivered);
      case 'ack':
        return this.onAck(frame.next, undefined);
      case 'reply':
        return this.onAck(frame.next, frame.token);
      case 'poll':
        this.replyToken = frame.token;
        return;
      case 'resetAck':
        return; // a late answer to a reset already completed
    }
  }

  private onData(frame: Extract<LinkFrame, { kind: 'data' }>, delivered: Uint8Array[]): void {
    if (frame.seq !== this.rxNext) {
      this.ackDue = true;
      this.count.duplicates++;
      return;
    }
    const partial = this.partial;
    const length = frame.fragment.length;
    // Check the fragment against its message before taking its seq: a frame the sender cannot
    // have sent slipped past the CRC (a trailing delimiter flipped to 0x01 appends the CRC's
    // first byte and still checks), so treat it as damage: no ACK, and the sender's POLL finds
    // it missing and resends it. Taking it would ACK a message dropped here (lost for good).
    const consistent = frame.first
      ? frame.total > this.maxMessageSize || fragmentFits(length, frame.total, frame.last)
      : !partial.active || fragmentFits(length, this.rxMissing, frame.last);
    if (!consistent) {
      this.count.ignoredFrames++;
      return;
    }
    this.ackDue = true;
    this.rxNext = (this.rxNext + 1) & 0xff;
    if (frame.first) {
      if (partial.abandon()) this.count.reassemblyErrors++;
      if (frame.total > this.maxMessageSize) {
        this.count.reassemblyErrors++;
        return;
      }
      partial.start(frame.total);
      this.rxMissing = frame.total;
    } else if (!partial.active) {
      this.count.reassemblyErrors++;
      return;
    }
    if (!partial.append(frame.fragment) || (frame.last && !partial.complete)) {
      partial.abandon();
      this.count.reassemblyErrors++;
      return;
    }
    this.rxMissing -= length;
    if (!frame.last) return;
    this.count.messagesDelivered++;
    delivered.push(partial.take());
  }

  private onAck(next: number, token: number | undefined): void {
    const answersLatestPoll = token !== undefined && token === this.pollToken;
    if (answersLatestPoll) this.unanswered = 0;
    if (!this.outstanding) return;
    if (next === ((this.txSeq + 1) & 0xff)) return this.advance();
    if (answersLatestPoll && this.pollCovers && next === this.txSeq) {
      // Everything before the POLL was drained and our DATA was not among it: resend.
      this.transmitDue = true;
      this.retransmission = true;
      this.pollCovers = false;
    }
  }

  private advance(): void {
    this.outstanding = false;
    this.unanswered = 0;
    this.pollCovers = false;
    this.txSeq = (this.txSeq + 1) & 0xff;
    const message = this.current!;
    if (this.fragmentEnd === message.length) {
      this.count.messagesSent++;
      this.current = undefined;
    } else {
      this.offset = this.fragmentEnd;
      this.transmitDue = true;
      this.retransmission = false;
    }
  }

  private onPeerReset(): void {
    this.count.resetsReceived++;
    this.resetReceiver();
    this.resetAckDue = true;
    if (this.linkState === 'established') this.restartCurrent();
    // The peer is alive and resetting: our own RESET goes at the next poll, not at the end of
    // a backoff grown while the peer was off (up to maxTimeout, the peer's DATA ignored meanwhile).
    else this.resetAt = 0;
  }

  private resetReceiver(): void {
    this.rxNext = 0;
    if (this.partial.abandon()) this.count.reassemblyErrors++;
    this.ackDue = false;
    this.replyToken = undefined;
  }

  /** Sequence numbers from 0 and the message in flight from its first fragment. */
  private restartCurrent(): void {
    this.txSeq = 0;
    this.offset = 0;
    this.outstanding = false;
    this.transmitDue = this.current !== undefined;
    this.retransmission = false;
    this.unanswered = 0;
    this.pollCovers = false;
  }

  private giveUp(now: number): void {
    this.count.peerTimeouts++;
    this.count.messagesDropped += this.queued;
    this.queue.length = 0;
    this.current = undefined;
    this.restartCurrent();
    this.resetReceiver();
    this.linkState = 'resetting';
    this.resetAt = now;
    this.resetAttempts = 0;
  }

  private nextFrame(now: number): LinkFrame | undefined {
    if (this.resetAckDue) {
      this.resetAckDue = false;
      return { kind: 'resetAck' };
    }
    if (this.linkState === 'resetting') {
      if (now < this.resetAt) return undefined;
      this.resetAt = now + this.backoff(this.resetAttempts++);
      this.count.resetsSent++;
      return { kind: 'reset' };
    }
    if (this.replyToken !== undefined || this.ackDue) {
      const token = this.replyToken;
      this.replyToken = undefined;
      this.ackDue = false;
      this.count.acks++;
      return token === undefined ? { kind: 'ack', next: this.rxNext } : { kind: 'reply', token, next: this.rxNext };
    }
    if (this.current === undefined && !this.outstanding) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.current = next;
        this.offset = 0;
        this.transmitDue = true;
        this.retransmission = false;
      }
    }
    if (this.transmitDue) {
      if (this.retransmission && this.frameRetransmits >= MAX_RETRANSMITS) {
        this.giveUp(now);
        return this.nextFrame(now);
      }
      return this.dataFrame(now);
    }
    if (!this.outstanding || now < this.lastSentAt + this.backoff(this.unanswered)) return undefined;
    if (this.unanswered >= MAX_UNANSWERED_POLLS) {
      if (this.heardAt === undefined || this.heardAt < this.silentSince) {
        this.giveUp(now);
        return this.nextFrame(now);
      }
      // Valid frames from the peer arrived while line damage ate every answer to our polls:
      // it is alive. Poll once more and judge silence from this poll on.
      this.unanswered = MAX_UNANSWERED_POLLS - 1;
      this.silentSince = now;
    }
    if (this.unanswered === 0) this.silentSince = now;
    this.unanswered++;
    this.pollToken = (this.pollToken + 1) & 0xff;
    this.pollCovers = true;
    this.lastSentAt = now;
    this.count.polls++;
    return { kind: 'poll', token: this.pollToken };
  }

  private dataFrame(now: number): LinkFrame {
    const message = this.current!;
    const first = this.offset === 0;
    const room = LINK_PAYLOAD_MAX - DATA_HEADER_BYTES - (first ? FIRST_EXTRA_BYTES : 0);
    this.fragmentEnd = Math.min(message.length, this.offset + room);
    this.transmitDue = false;
    this.outstanding = true;
    this.lastSentAt = now;
    this.pollCovers = false;
    if (this.retransmission) {
      this.count.retransmits++;
      this.frameRetransmits++;
    } else {
      this.count.dataFrames++;
      this.frameRetransmits = 0;
    }
    return {
      kind: 'data',
      seq: this.txSeq,
      first,
      last: this.fragmentEnd === message.length,
      total: message.length,
      fragment: message.subarray(this.offset, this.fragmentEnd),
    };
  }
}
