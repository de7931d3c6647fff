/**
 * The registrant's side of a relay forwarder: a LOCAL worker (`relay-client`) that registers
 * `name` at the relay and renews the lease every third of it, so a node with no listening port
 * stays reachable at [tcp:relay:port, fwd.<name>, ...]. A renewal also re-dials a relay
 * connection that dropped (the TCP transport dials on demand), so a relay restart heals by
 * itself within one renewal period.
 */
import { BurrowError } from '../protocol/errors.ts';
import { routedMessage } from '../protocol/routing/message.ts';
import { route, Route } from '../protocol/routing/route.ts';
import type { Router } from '../protocol/routing/router.ts';
import { decodeConfirmation, encodeRegistration, FORWARDER_PREFIX, FORWARDING_SERVICE } from './forwarder.ts';

export const RELAY_CLIENT = 'relay-client';

export interface RegistrationEvents {
  registered?(name: string, expiresIn: number): void;
  failed?(reason: string): void;
}

export class RelayRegistration {
  private renewEveryMs = 20_000;
  private lastSent = -Infinity;
  confirmedAt: number | undefined;

  constructor(
    private readonly router: Router,
    /** e.g. 'tcp:relay.example:4100' */
    private readonly relay: string,
    readonly name: string,
    private readonly clock: () => number,
    private readonly events: RegistrationEvents = {},
  ) {
    router.register(RELAY_CLIENT, {
      handleMessage: (m) => {
        try {
          const c = decodeConfirmation(m.payload);
          if (c.name !== name) return;
          this.renewEveryMs = Math.max(1000, (c.expiresIn * 1000) / 3);
          this.confirmedAt = this.clock();
          events.registered?.(c.name, c.expiresIn);
        } catch (e) {
          events.failed?.(e instanceof BurrowError ? e.code : String(e));
        }
      },
    });
  }

  /** The route others use to reach `worker` on this node through the relay. */
  routeTo(worker: string): Route {
    return route(this.relay, FORWARDER_PREFIX + this.name, worker);
  }

  /** Registers or renews when due; call from a timer. */
  poll(now: number): void {
    if (now - this.lastSent < this.renewEveryMs) return;
    this.lastSent = now;
    try {
      this.router.route(routedMessage(route(this.relay, FORWARDING_SERVICE), route(RELAY_CLIENT), encodeRegistration(this.name)));
    } catch (e) {
      this.events.failed?.(e instanceof BurrowError ? e.code : String(e));
    }
  }
}
