/**
 * The in-memory twin of every link (TCP, BLE, UART): connects the routers of in-memory nodes,
 * for tests and simulators. Messages cross it encoded, so the codec runs on every hop, and sit
 * in one queue until pump() delivers them: no timers, so a test decides when the network moves
 * and replays the same run from the same seed.
 *
 * Faults (drop, duplicate, reorder, corrupt) are drawn from an injected RandomSource, chosen
 * over Math.random so a failing run can be replayed; counters say what the network did.
 *
 * Like a real link, the receiving side drops and counts what it cannot decode or route,
 * instead of throwing into the sender.
 */
import { toHex } from '../bytes.ts';
import type { RandomSource } from '../crypto/provider.ts';
import { BurrowError, ConfigError, RoutingError, type ErrorCode } from '../errors.ts';
import { Address, formatAddress, type TransportType } from './address.ts';
import { decodeMessage, encodeMessage } from './codec.ts';
import { stepForward, type RoutedMessage } from './message.ts';
import type { Router, Transport } from './router.ts';

// Our limits.
/** Deliveries one pump() makes by default: stops two workers that answer each other forever
 *  from hanging a test, far above any scenario's traffic. */
export const DEFAULT_PUMP_LIMIT = 100_000;

/** Probabilities in [0, 1], drawn independently for each delivery. */
export interface FaultRates {
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly corrupt?: number;
}

export interface MemoryNetworkOptions {
  /** Required when any fault rate is above zero. */
  readonly random?: RandomSource;
  readonly faults?: FaultRates;
}

export interface MemoryCounters {
  /** Messages handed to the network by a sending node. */
  sent: number;
  /** Messages the receiving node decoded and routed without error. */
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Received bytes that did not decode. */
  undecodable: number;
  /** Decoded messages the receiving node refused (no worker, forbidden, route full...). */
  refused: number;
  refusedByCode: Partial<Record<ErrorCode, number>>;
}

interface InFlight {
  readonly from: Address;
  readonly to: Address;
  readonly bytes: Uint8Array;
}

const key = (a: Address) => `${a.type}/${toHex(a.value)}`;

export class MemoryNetwork {
  readonly counters: MemoryCounters = {
    sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, undecodable: 0, refused: 0, refusedByCode: {},
  };
  private readonly queue: InFlight[] = [];
  private readonly nodes = new Map<string, Router>();
  private readonly random: RandomSource | undefined;
  private readonly rates: Required<FaultRates>;

  constructor(options: MemoryNetworkOptions = {}) {
    const f = options.faults ?? {};
    this.rates = { drop: f.drop ?? 0, duplicate: f.duplicate ?? 0, reorder: f.reorder ?? 0, corrupt: f.corrupt ?? 0 };
    for (const [name, rate] of Object.entries(this.rates)) {
      if (!(rate >= 0 && rate <= 1)) throw new ConfigError('CONFIG_INVALID', `fault rate '${name}' must be in [0, 1]`);
      if (rate > 0 && options.random === undefined) throw new ConfigError('CONFIG_INVALID', 'fault injection needs a random source');
    }
    this.random = options.random;
  }

  /**
   * Puts `router` on the network as `name` for transport `type`, registering the link as the
   * router's transport for that type. Returns the address other nodes use to reach it.
   */
  attach(type: TransportType, name: string, router: Router): Address {
    const self = new Address(type, name);
    if (self.isLocal) throw new ConfigError('CONFIG_INVALID', 'a link needs a non-local transport type');
    if (this.nodes.has(key(self))) throw new ConfigError('CONFIG_INVALID', `'${formatAddress(self)}' is already attached`);
    const link: Transport = { send: (message) => this.enqueue(self, message) };
    router.registerTransport(type, link);
    this.nodes.set(key(self), router);
    return self;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Delivers queued messages, including those sent while pumping, up to `limit`. */
  pump(limit = DEFAULT_PUMP_LIMIT): number {
    let count = 0;
    while (this.queue.length > 0 && count < limit) {
      this.deliverOne();
      count++;
    }
    return count;
  }

  private enqueue(from: Address, message: RoutedMessage): void {
    const to = message.onwardRoute.next();
    if (!this.nodes.has(key(to))) throw new RoutingError('ROUTE_NO_WORKER', `nothing attached at '${formatAddress(to)}'`);
    this.queue.push({ from, to, bytes: encodeMessage(message) });
    this.counters.sent++;
  }

  private deliverOne(): void {
    const c = this.counters;
    if (this.queue.length > 1 && this.roll(this.rates.reorder)) {
      const j = 1 + this.below(this.queue.length - 1);
      [this.queue[0], this.queue[j]] = [this.queue[j]!, this.queue[0]!];
      c.reordered++;
    }
    const item = this.queue.shift()!;
    if (this.roll(this.rates.drop)) {
      c.dropped++;
      return;
    }
    if (this.roll(this.rates.duplicate)) {
      this.queue.push(item);
      c.duplicated++;
    }
    let bytes = item.bytes;
    if (this.roll(this.rates.corrupt)) {
      bytes = bytes.slice();
      const i = this.below(bytes.length);
      bytes[i] = bytes[i]! ^ (1 + this.below(255));
      c.corrupted++;
    }
    let message: RoutedMessage;
    try {
      message = decodeMessage(bytes);
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      c.undecodable++;
      return;
    }
    try {
      // The receiving side knows the link it came in on: that is the way back.
      this.nodes.get(key(item.to))!.route(stepForward(message, item.from));
      c.delivered++;
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      c.refused++;
      c.refusedByCode[e.code] = (c.refusedByCode[e.code] ?? 0) + 1;
    }
  }

  /** Uniform in [0, 1) from 32 random bits; only called when some rate is above zero. */
  private fraction(): number {
    const b = this.random!(4);
    return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 0x100000000;
  }

  /** Uniform in [0, n): the bias of a 32-bit fraction is negligible for queue and message sizes. */
  private below(n: number): number {
    return Math.floor(this.fraction() * n);
  }

  private roll(rate: number): boolean {
    return rate > 0 && this.fraction() < rate;
  }
}
