/**
 * Routes in Ockam's model: an ordered list of addresses, the head being the next hop. A
 * message carries two, onward and return (see message.ts for how a hop moves between them).
 *
 * A Route is immutable: every change returns a new Route. Chosen over Ockam's mutable
 * VecDeque with a builder because a route is shared between a message, its re-encodings and
 * the worker that replies to it; copying a few addresses per hop is cheaper than the bug of
 * one hop rewriting another's route.
 *
 * Text form, for config and CLI: addresses joined by '=>', e.g. 'ble:gw => tcp:10.0.0.5:4000 => api'.
 */
import { RoutingError } from '../errors.ts';
import { Address, parseAddress, formatAddress } from './address.ts';

// Our limits.
/** Addresses in one route: device -> gateway -> relay -> broker -> cloud -> worker needs 6.
 *  The bound keeps the routing header small on a device, and because every hop pops one
 *  onward address, no message crosses more than MAX_HOPS hops: a routing loop ends itself. */
export const MAX_HOPS = 8;

export class Route {
  readonly addresses: readonly Address[];

  private constructor(addresses: readonly Address[]) {
    this.addresses = addresses;
  }

  /** Throws ROUTE_TOO_LONG beyond MAX_HOPS. */
  static of(addresses: readonly Address[]): Route {
    if (addresses.length > MAX_HOPS) {
      throw new RoutingError('ROUTE_TOO_LONG', `a route holds at most ${MAX_HOPS} addresses`);
    }
    return new Route(Object.freeze(addresses.slice()));
  }

  static empty(): Route {
    return Route.of([]);
  }

  get length(): number {
    return this.addresses.length;
  }

  get isEmpty(): boolean {
    return this.addresses.length === 0;
  }

  /** The next hop. Throws ROUTE_EMPTY. */
  next(): Address {
    const head = this.addresses[0];
    if (head === undefined) throw new RoutingError('ROUTE_EMPTY', 'route has no next hop');
    return head;
  }

  /** The final destination. Throws ROUTE_EMPTY. */
  recipient(): Address {
    const last = this.addresses[this.addresses.length - 1];
    if (last === undefined) throw new RoutingError('ROUTE_EMPTY', 'route has no recipient');
    return last;
  }

  /** This route without its next hop. Throws ROUTE_EMPTY. */
  pop(): Route {
    this.next();
    return new Route(Object.freeze(this.addresses.slice(1)));
  }

  /** Throws ROUTE_TOO_LONG. */
  prepend(address: Address): Route {
    return Route.of([address, ...this.addresses]);
  }

  /** Throws ROUTE_TOO_LONG. */
  append(address: Address): Route {
    return Route.of([...this.addresses, address]);
  }

  equals(other: Route): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (!this.addresses[i]!.equals(other.addresses[i]!)) return false;
    return true;
  }

  toString(): string {
    return formatRoute(this);
  }

  toJSON(): string {
    return formatRoute(this);
  }
}

/** route(a, b, c): strings are parsed as address text ('api', 'tcp:host:port'). */
export function route(...hops: readonly (Address | string)[]): Route {
  return Route.of(hops.map((h) => (typeof h === 'string' ? parseAddress(h) : h)));
}

const SEPARATOR = ' => ';

export function formatRoute(r: Route): string {
  return r.addresses.map(formatAddress).join(SEPARATOR);
}

/** 'tcp:1.2.3.4:4000 => api'. Throws ROUTE_EMPTY for blank text, ROUTE_BAD_ADDRESS, ROUTE_TOO_LONG. */
export function parseRoute(text: string): Route {
  const parts = text.split('=>');
  if (parts.length > MAX_HOPS) throw new RoutingError('ROUTE_TOO_LONG', `a route holds at most ${MAX_HOPS} addresses`);
  if (parts.length === 1 && parts[0]!.trim() === '') throw new RoutingError('ROUTE_EMPTY', 'route text is empty');
  return Route.of(parts.map((p) => parseAddress(p.trim())));
}
