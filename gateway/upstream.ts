/**
 * One upstream (a `tcp:host:port` the config allows): a bounded, fair store-and-forward queue
 * in front of the TCP transport, and the loop that keeps a connection to it.
 *
 * A frame leaves the queue only when the transport took it on a connected socket. While the
 * upstream is down, frames wait (up to the bound, each device up to its share); after a
 * reconnect they go out in round-robin order across devices. What TCP had already accepted
 * when a connection dies can be lost (TCP acknowledges to the kernel, not to the cloud); the
 * end-to-end delivery layer re-sends that, so the gateway needs no acknowledgements of its own.
 *
 * With a DiskStore each queued frame is also a row on disk, deleted once sent, and start()
 * reloads what a previous run left.
 */
import { BurrowError } from '../protocol/errors.ts';
import { decodeMessage, encodeMessage } from '../protocol/routing/codec.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import type { Logger } from '../transport-node/log.ts';
import type { TcpTransport } from '../transport-node/tcp.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { countDrop } from './counters.ts';
import type { DiskStore } from './disk-store.ts';
import { errorCode } from './errors.ts';
import { FairQueue, type FairQueueLimits, type QueueRefusal } from './fair-queue.ts';

// Our limits.
/**
 * When the socket's buffer is full (the transport refused with FRAME_QUEUE_FULL) the pump
 * resumes on the socket's 'drain', as soon as there is room; this timer is only the fallback
 * should no 'drain' come for this connection.
 */
const SOCKET_FULL_RETRY_MS = 250;

export type UpstreamState = 'down' | 'connecting' | 'up' | 'closed';

export interface UpstreamOptions {
  /** The transport's key: 'host:port'. */
  readonly value: string;
  readonly tcp: TcpTransport;
  readonly limits: FairQueueLimits;
  readonly backoff: BackoffOptions;
  readonly log: Logger;
  readonly store?: DiskStore;
}

export interface UpstreamCounters {
  sent: number;
  bytesSent: number;
  connects: number;
  connectFailures: number;
  disconnects: number;
  /** Frames dropped here, by reason (queue_full, device_quota, unsendable, corrupt_on_disk). */
  drops: Partial<Record<string, number>>;
}

interface Queued {
  readonly message: RoutedMessage;
  readonly size: number;
  readonly id: number | undefined;
}

export class Upstream {
  readonly counters: UpstreamCounters = { sent: 0, bytesSent: 0, connects: 0, connectFailures: 0, disconnects: 0, drops: {} };
  private readonly queue: FairQueue<Queued>;
  private readonly backoff: Backoff;
  private current: UpstreamState = 'down';
  private lost: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly onDisconnect = (key: string) => {
    if (key === this.options.value && this.current === 'up') this.lost?.();
  };

  private readonly onDrain = (key: string) => {
    if (key !== this.options.value || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pump();
  };

  constructor(private readonly options: UpstreamOptions) {
    this.queue = new FairQueue<Queued>(options.limits);
    this.backoff = new Backoff(options.backoff);
  }

  get name(): string {
    return `tcp:${this.options.value}`;
  }

  get state(): UpstreamState {
    return this.current;
  }

  /** A method, not a field read, so the compiler does not narrow it across awaits. */
  private get closed(): boolean {
    return this.current === 'closed';
  }

  get queued(): number {
    return this.queue.size;
  }

  get queuedBytes(): number {
    return this.queue.bytes;
  }

  /** Reloads frames a previous run left on disk, then keeps a connection up. */
  start(): void {
    this.restore();
    this.options.tcp.on('disconnect', this.onDisconnect);
    this.options.tcp.on('drain', this.onDrain);
    void this.run();
  }

  /** Whether a frame of `size` bytes from `source` would be refused now. */
  refusal(source: string, size: number): QueueRefusal | undefined {
    return this.queue.refusal(source, size);
  }

  /** Queues a message (already stepped forward); returns the refusal, counted, if any. */
  enqueue(source: string, message: RoutedMessage, size: number): QueueRefusal | undefined {
    const refusal = this.queue.refusal(source, size);
    if (refusal !== undefined) {
      countDrop(this.counters, refusal);
      return refusal;
    }
    // Nothing waiting and the connection up: straight to the socket (the queue is for waiting).
    if (this.queue.size === 0 && this.current === 'up' && this.options.tcp.isConnected(this.options.value) && this.trySend(source, message, size) !== 'full') return undefined;
    const id = this.options.store?.append(this.options.value, source, encodeMessage(message));
    this.queue.push(source, { message, size, id }, size);
    if (this.current === 'up') this.pump();
    return undefined;
  }

  /** Hands one frame to the transport: 'sent', 'full' (socket buffer full: keep it), or 'dropped'. */
  private trySend(source: string, message: RoutedMessage, size: number): 'sent' | 'full' | 'dropped' {
    try {
      this.options.tcp.send(message);
    } catch (error) {
      if (error instanceof BurrowError && error.code === 'FRAME_QUEUE_FULL') return 'full';
      // A frame the transport can never send (oversize, bad address): drop it, not the queue.
      countDrop(this.counters, 'unsendable');
      this.options.log.warn({ upstream: this.name, device: source, code: errorCode(error) }, 'dropped: upstream cannot carry frame');
      return 'dropped';
    }
    this.counters.sent++;
    this.counters.bytesSent += size;
    return 'sent';
  }

  async close(): Promise<void> {
    this.current = 'closed';
    this.options.tcp.off('disconnect', this.onDisconnect);
    this.options.tcp.off('drain', this.onDrain);
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.wake?.();
    this.lost?.();
  }

  private restore(): void {
    const store = this.options.store;
    if (store === undefined) return;
    let restored = 0;
    for (const frame of store.load(this.options.value)) {
      let message: RoutedMessage;
      try {
        message = decodeMessage(frame.bytes);
      } catch {
        store.delete(frame.id);
        countDrop(this.counters, 'corrupt_on_disk');
        continue;
      }
      // Restored frames are admitted past the per-device share: they were accepted once.
      this.queue.push(frame.source, { message, size: frame.bytes.length, id: frame.id }, frame.bytes.length);
      restored++;
    }
    if (restored > 0) this.options.log.info({ upstream: this.name, frames: restored }, 'restored queued frames from disk');
  }

  private async run(): Promise<void> {
    const { tcp, value, log } = this.options;
    while (!this.closed) {
      this.current = 'connecting';
      try {
        await tcp.connect(value);
      } catch (error) {
        if (this.closed) return;
        this.counters.connectFailures++;
        this.current = 'down';
        const delay = this.backoff.next();
        log.warn({ upstream: this.name, code: errorCode(error), retryMs: delay }, 'upstream unreachable');
        await this.sleep(delay);
        continue;
      }
      if (this.closed) return;
      const lost = new Promise<void>((resolve) => (this.lost = resolve));
      this.current = 'up';
      this.counters.connects++;
      this.backoff.reset();
      log.info({ upstream: this.name, queued: this.queue.size }, 'upstream connected');
      this.pump();
      await lost;
      this.lost = undefined;
      if (this.closed) return;
      this.current = 'down';
      this.counters.disconnects++;
      const delay = this.backoff.next();
      log.warn({ upstream: this.name, queued: this.queue.size, retryMs: delay }, 'upstream lost');
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  /** Sends queued frames while the connection is up and the socket takes them. */
  private pump(): void {
    const { tcp, value, store } = this.options;
    while (this.current === 'up' && tcp.isConnected(value)) {
      const next = this.queue.peek();
      if (next === undefined) return;
      if (this.trySend(next.source, next.item.message, next.item.size) === 'full') {
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          this.pump();
        }, SOCKET_FULL_RETRY_MS);
        return;
      }
      const taken = this.queue.shift()!;
      if (taken.item.id !== undefined) store?.delete(taken.item.id);
    }
  }
}
