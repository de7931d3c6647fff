/**
 * A bounded store-and-forward queue shared by many sources (device links), served round
 * robin: each turn takes one item from the next source that has any. A device that floods
 * fills only its own share (maxPerSource) and then loses its own frames; the others keep
 * their place in the rotation.
 *
 * Round robin over per-source FIFOs, chosen over one FIFO with per-source counters: with one
 * FIFO a flood ahead of a quiet device still delays it by the whole flood; here it waits at
 * most one item per active source. Every operation is O(1).
 */
import { ConfigError } from '../protocol/errors.ts';

export interface FairQueueLimits {
  /** Items in the whole queue. */
  readonly maxItems: number;
  /** Bytes in the whole queue (as the caller sizes items). */
  readonly maxBytes: number;
  /** Items one source may hold. */
  readonly maxPerSource: number;
}

/** Why push refused an item. */
export type QueueRefusal = 'queue_full' | 'device_quota';

interface Entry<T> {
  readonly item: T;
  readonly size: number;
}

/** A FIFO of one source: an array with a moving head, compacted when half is dead space. */
class Fifo<T> {
  private items: Entry<T>[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(entry: Entry<T>): void {
    this.items.push(entry);
  }
  peek(): Entry<T> | undefined {
    return this.items[this.head];
  }
  shift(): Entry<T> | undefined {
    const entry = this.items[this.head];
    if (entry === undefined) return undefined;
    this.items[this.head++] = undefined as unknown as Entry<T>; // release the item for GC
    if (this.head > 32 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
  *[Symbol.iterator](): IterableIterator<Entry<T>> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}

export class FairQueue<T> {
  private readonly sources = new Map<string, Fifo<T>>();
  /** Sources with items, in service order; a source appears at most once. */
  private readonly rotation = new Fifo<string>();
  private items = 0;
  private bytesHeld = 0;

  constructor(readonly limits: FairQueueLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new ConfigError('CONFIG_INVALID', `queue ${name} must be a positive integer`);
    }
  }

  get size(): number {
    return this.items;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  depthOf(source: string): number {
    return this.sources.get(source)?.length ?? 0;
  }

  /** Whether push(source, …, size) would be accepted now. */
  refusal(source: string, size: number): QueueRefusal | undefined {
    if (this.items >= this.limits.maxItems || this.bytesHeld + size > this.limits.maxBytes) return 'queue_full';
    if (this.depthOf(source) >= this.limits.maxPerSource) return 'device_quota';
    return undefined;
  }

  /** Appends; returns why it refused, or undefined when queued. */
  push(source: string, item: T, size: number): QueueRefusal | undefined {
    const refusal = this.refusal(source, size);
    if (refusal !== undefined) return refusal;
    let fifo = this.sources.get(source);
    if (fifo === undefined) {
      fifo = new Fifo<T>();
      this.sources.set(source, fifo);
    }
    if (fifo.length === 0) this.rotation.push({ item: source, size: 0 });
    fifo.push({ item, size });
    this.items++;
    this.bytesHeld += size;
    return undefined;
  }

  /** The item the next shift() returns, without taking it. */
  peek(): { source: string; item: T } | undefined {
    const source = this.rotation.peek()?.item;
    if (source === undefined) return undefined;
    const entry = this.sources.get(source)!.peek()!;
    return { source, item: entry.item };
  }

  /** Takes the next item in round-robin order. */
  shift(): { source: string; item: T } | undefined {
    const turn = this.rotation.shift();
    if (turn === undefined) return undefined;
    const source = turn.item;
    const fifo = this.sources.get(source)!;
    const entry = fifo.shift()!;
    this.items--;
    this.bytesHeld -= entry.size;
    if (fifo.length > 0) this.rotation.push(turn);
    else this.sources.delete(source);
    return { source, item: entry.item };
  }

  /** Every item, in per-source order (for status and persistence checks). */
  *entries(): IterableIterator<{ source: string; item: T }> {
    for (const [source, fifo] of this.sources) for (const entry of fifo) yield { source, item: entry.item };
  }
}
