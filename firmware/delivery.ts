/**
 * The delivery buffer (design.md "Delivery"): every reading gets the next per-device sequence
 * number and stays here until the cloud's cumulative acknowledgement covers it. Bounded: when
 * full, the oldest reading is dropped and counted, and `floor` (sent in every batch) tells the
 * cloud which numbers the device gave up, so a gap it can never fill does not hold the
 * acknowledgement back for ever.
 *
 * Sequence numbers survive reboots without a flash write per reading: the device reserves a
 * block of numbers in NVS (`seqReserved`) before using them and, after a reboot, starts at the
 * reservation. The numbers of the unused rest of a block are never sent; they sit below the
 * new floor, so the cloud skips them. One NVS write per SEQ_BLOCK readings: at one reading a
 * second, about three an hour, far inside NVS's wear budget. The buffer itself is RAM: readings
 * not acknowledged before a power loss are lost and, by the floor, declared so.
 *
 * What to send is a pure decision (nextBatch); when to send it is the application's.
 */
import { MAX_SEQ, telemetryBatch, type Reading, type ReadingValue, type TelemetryBatch } from '../protocol/app/messages.ts';
import { ConfigError } from '../protocol/errors.ts';
import { readU32, StoreKey, writeU32, type KeyValueStore } from './storage.ts';

// Our limits.
/** Sequence numbers reserved per NVS write (see above). */
export const SEQ_BLOCK = 256;

export interface DeliveryCounters {
  /** Readings taken into the buffer. */
  produced: number;
  /** Readings the cloud acknowledged. */
  acknowledged: number;
  /** Readings dropped, oldest first, because the buffer was full. */
  dropped: number;
  /** Acknowledgements that moved nothing (duplicates, stale or from the future). */
  staleAcks: number;
}

export interface DeliveryOptions {
  readonly capacity: number;
  readonly batchReadings: number;
  readonly store: KeyValueStore;
}

export class DeliveryBuffer {
  readonly counters: DeliveryCounters = { produced: 0, acknowledged: 0, dropped: 0, staleAcks: 0 };
  private readonly readings: Reading[] = [];
  private readonly capacity: number;
  private readonly batchReadings: number;
  private readonly store: KeyValueStore;
  private nextSeq: number;
  private reserved: number;

  constructor(options: DeliveryOptions) {
    if (!(options.capacity >= 1) || !(options.batchReadings >= 1)) throw new ConfigError('CONFIG_INVALID', 'delivery buffer needs a capacity and batch of at least 1');
    this.capacity = options.capacity;
    this.batchReadings = options.batchReadings;
    this.store = options.store;
    // Everything below the last reservation may have been used before the reboot.
    this.nextSeq = readU32(options.store, StoreKey.seqReserved) ?? 0;
    this.reserved = this.nextSeq;
  }

  /** Every seq below this is acknowledged or given up. */
  get floor(): number {
    return this.readings[0]?.seq ?? this.nextSeq;
  }

  /** The seq the next reading will get. */
  get next(): number {
    return this.nextSeq;
  }

  get size(): number {
    return this.readings.length;
  }

  /** Takes a reading; returns it with its seq. Drops the oldest when full. */
  add(time: number, uptimeMs: number, values: readonly ReadingValue[]): Reading {
    if (this.nextSeq > MAX_SEQ) throw new ConfigError('CONFIG_INVALID', 'sequence numbers exhausted');
    if (this.nextSeq >= this.reserved) {
      this.reserved = Math.min(this.nextSeq + SEQ_BLOCK, MAX_SEQ + 1);
      writeU32(this.store, StoreKey.seqReserved, this.reserved);
    }
    const reading: Reading = { seq: this.nextSeq++, time, uptimeMs: uptimeMs % 0x1_0000_0000, values };
    this.readings.push(reading);
    this.counters.produced++;
    if (this.readings.length > this.capacity) {
      this.readings.shift();
      this.counters.dropped++;
    }
    return reading;
  }

  /** The oldest unacknowledged readings, at most one batch, or undefined when all are acknowledged. */
  nextBatch(): TelemetryBatch | undefined {
    if (this.readings.length === 0) return undefined;
    return telemetryBatch(this.floor, this.readings.slice(0, this.batchReadings));
  }

  /**
   * Applies a cumulative acknowledgement: every seq below `next` is stored. Returns how many
   * readings it released. An ack beyond what was ever sent is ignored (a confused or hostile
   * cloud cannot make the device forget readings it has not received).
   */
  acknowledge(next: number): number {
    if (!Number.isInteger(next) || next > this.nextSeq) {
      this.counters.staleAcks++;
      return 0;
    }
    let released = 0;
    while (this.readings.length > 0 && this.readings[0]!.seq < next) {
      this.readings.shift();
      released++;
    }
    if (released === 0) this.counters.staleAcks++;
    this.counters.acknowledged += released;
    return released;
  }
}
