/**
 * A relay's forwarding service (Ockam's forwarder): lets a node that accepts no connections (a
 * cloud service behind NAT, a gateway on a mobile uplink) be reached by name. The node dials
 * the relay and sends a registration to the relay's `forwarding` worker; the relay answers by
 * registering a LOCAL worker `fwd.<name>` that replaces itself, on every message's onward
 * route, with the route back to the registrant (the connection it registered over). So
 *
 *   device -> [uart:gw, tcp:relay:4100, fwd.cloud, api]   reaches the cloud's `api`,
 *
 * and replies need no forwarder at all: the cloud's return route already names the relay's
 * connections, which the relay routes like any other hop. The relay sees routes, sizes and
 * ciphertext, never content: channels run end to end through it.
 *
 *   registration = version (u8 = 1) || name (text: 1-64 of [A-Za-z0-9_.-])
 *   confirmation = version (u8 = 1) || name (text) || expires-in seconds (u32)
 *
 * A registration lasts `leaseSeconds` unless renewed; the newest registration of a name wins
 * (a restarted cloud takes its name back over its new connection). Names are not secret and
 * not authenticated: whoever takes a name gets only ciphertext it cannot open or forge, and
 * the channels' keepalives notice and re-handshake once the rightful owner re-registers.
 */
import { utf8Decode } from '../protocol/bytes.ts';
import { DecodeError } from '../protocol/errors.ts';
import { Address } from '../protocol/routing/address.ts';
import { routedMessage, type RoutedMessage } from '../protocol/routing/message.ts';
import { Route } from '../protocol/routing/route.ts';
import type { Router, WorkerContext } from '../protocol/routing/router.ts';
import { ByteReader, ByteWriter, expectValue } from '../protocol/wire.ts';

export const FORWARDING_SERVICE = 'forwarding';
export const FORWARDER_PREFIX = 'fwd.';
const VERSION = 1;
export const MAX_FORWARDER_NAME = 64;
const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
/** Registrants renew every third of this; a dead one's name is freed after it. */
export const DEFAULT_LEASE_SECONDS = 60;

export function encodeRegistration(name: string): Uint8Array {
  checkName(name);
  return new ByteWriter().u8(VERSION).text(name).finish();
}

export function decodeRegistration(bytes: Uint8Array): string {
  const r = new ByteReader(bytes, 'forwarder registration');
  expectValue(r.u8() === VERSION, 'forwarder registration: version');
  const name = r.text(MAX_FORWARDER_NAME);
  r.end();
  checkName(name);
  return name;
}

export function encodeConfirmation(name: string, expiresIn: number): Uint8Array {
  return new ByteWriter().u8(VERSION).text(name).u32(expiresIn).finish();
}

export function decodeConfirmation(bytes: Uint8Array): { name: string; expiresIn: number } {
  const r = new ByteReader(bytes, 'forwarder confirmation');
  expectValue(r.u8() === VERSION, 'forwarder confirmation: version');
  const name = r.text(MAX_FORWARDER_NAME);
  const expiresIn = r.u32();
  r.end();
  checkName(name);
  return { name, expiresIn };
}

function checkName(name: string): void {
  if (!(name.length >= 1 && name.length <= MAX_FORWARDER_NAME && NAME_PATTERN.test(name))) {
    throw new DecodeError('DECODE_BAD_VALUE', `forwarder name must be 1-${MAX_FORWARDER_NAME} of [A-Za-z0-9_.-]`);
  }
}

interface Registration {
  route: Route;
  expiresAt: number;
  forwarded: number;
}

export interface ForwarderInfo {
  readonly name: string;
  readonly address: string;
  readonly route: string;
  readonly expiresInMs: number;
  readonly forwarded: number;
}

export class ForwardingService {
  private readonly registrations = new Map<string, Registration>();

  constructor(
    private readonly router: Router,
    private readonly clock: () => number,
    private readonly leaseSeconds = DEFAULT_LEASE_SECONDS,
    private readonly onEvent: (event: string, fields: object) => void = () => {},
  ) {
    router.register(FORWARDING_SERVICE, { handleMessage: (m, c) => this.register(m, c) });
  }

  /** True for addresses the network may reach on a relay: the service and live forwarders. */
  accepts(head: Address): boolean {
    if (!head.isLocal) return false;
    const name = utf8Decode(head.value);
    return name === FORWARDING_SERVICE || (name.startsWith(FORWARDER_PREFIX) && this.registrations.has(name.slice(FORWARDER_PREFIX.length)));
  }

  list(): ForwarderInfo[] {
    const now = this.clock();
    return [...this.registrations].map(([name, r]) => ({
      name, address: FORWARDER_PREFIX + name, route: String(r.route), expiresInMs: r.expiresAt - now, forwarded: r.forwarded,
    }));
  }

  /** Frees names whose lease ran out; call from a timer. */
  expire(): void {
    const now = this.clock();
    for (const [name, r] of this.registrations) {
      if (now >= r.expiresAt) {
        this.registrations.delete(name);
        this.router.unregister(FORWARDER_PREFIX + name);
        this.onEvent('forwarder expired', { name });
      }
    }
  }

  private register(message: RoutedMessage, context: WorkerContext): void {
    const name = decodeRegistration(message.payload);
    // The way back to the registrant without its own final worker (which gets the confirmation).
    const hops = message.returnRoute.addresses;
    expectValue(hops.length >= 2, 'forwarder registration: return route must name a hop and a worker');
    const route = Route.of(hops.slice(0, -1));
    const existing = this.registrations.get(name);
    const expiresAt = this.clock() + this.leaseSeconds * 1000;
    if (existing === undefined) {
      this.registrations.set(name, { route, expiresAt, forwarded: 0 });
      this.router.register(FORWARDER_PREFIX + name, { handleMessage: (m) => this.forward(name, m) });
      this.onEvent('forwarder registered', { name, route: String(route) });
    } else {
      if (!existing.route.equals(route)) this.onEvent('forwarder moved', { name, route: String(route) });
      existing.route = route;
      existing.expiresAt = expiresAt;
    }
    context.send(routedMessage(message.returnRoute, Route.of([Address.local(FORWARDING_SERVICE)]), encodeConfirmation(name, this.leaseSeconds)));
  }

  private forward(name: string, message: RoutedMessage): void {
    const r = this.registrations.get(name)!;
    const onward = Route.of([...r.route.addresses, ...message.onwardRoute.pop().addresses]);
    r.forwarded++;
    this.router.route({ onwardRoute: onward, returnRoute: message.returnRoute, payload: message.payload });
  }
}
