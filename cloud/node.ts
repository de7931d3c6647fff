/**
 * One cloud node, without its network: the router, the secure-channel listener at `api`, the
 * registry deciding who may open a channel, and the local services (telemetry, commands,
 * echo). A transport is attached from outside (TCP in server.ts, the in-memory network in
 * tests), so everything here runs the same in both.
 */
import { performance } from 'node:perf_hooks';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import type { LocalIdentity } from '../protocol/identity/identity.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { PeerCache, trustCallback } from '../protocol/identity/trust.ts';
import { TransportType, type Address } from '../protocol/routing/address.ts';
import { formatRoute } from '../protocol/routing/route.ts';
import { SecureChannelListener, type ChannelInfo } from '../protocol/secure-channel/listener.ts';
import { AccessRules } from './access.ts';
import { ChannelRouter } from './channel-router.ts';
import { errorFields, type Logger } from './log.ts';
import { Registry } from './registry.ts';
import { CommandsService, COMMANDS_SERVICE, type CommandsOptions } from './services/commands.ts';
import type { ServiceContext } from './services/context.ts';
import { ECHO_SERVICE, EchoService } from './services/echo.ts';
import { TELEMETRY_SERVICE, TelemetryService } from './services/telemetry.ts';
import type { Attributes } from './attributes.ts';
import type { CloudStore } from './storage/store.ts';

export const LISTENER_NAME = 'api';
// Our limits.
/** Verified peers remembered (skips Ed25519 on a repeat handshake): a fleet's worth. */
export const DEFAULT_PEER_CACHE = 100_000;

export interface CloudNodeOptions {
  readonly store: CloudStore;
  readonly identity: LocalIdentity;
  readonly provider: CryptoProvider;
  readonly log: Logger;
  readonly access?: AccessRules;
  /** Monotonic ms (channel timeouts). */
  readonly clock?: () => number;
  /** Wall-clock ms since the Unix epoch (stored times, attestation expiry). */
  readonly wallClock?: () => number;
  readonly handshakeTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxChannels?: number;
  readonly maxPendingHandshakes?: number;
  readonly peerCacheSize?: number;
  readonly commands?: CommandsOptions;
  /** Non-local next hops the cloud may send to (default: TCP only). */
  readonly outbound?: (address: Address) => boolean;
}

export interface ChannelStatus {
  readonly identifier: string;
  readonly channel: string;
  readonly attributes: Attributes;
  readonly route: string;
  readonly ageMs: number;
  readonly idleMs: number;
  readonly sent: number;
  readonly received: number;
  readonly rejected: number;
  readonly roams: number;
}

export class CloudNode {
  readonly router: ChannelRouter;
  readonly listener: SecureChannelListener;
  readonly registry: Registry;
  readonly telemetry: TelemetryService;
  readonly commands: CommandsService;
  readonly echo: EchoService;
  readonly identity: LocalIdentity;
  /** Listener drops by reason (handshake failures, refused peers, bad channel messages). */
  readonly dropped: Record<string, number> = {};
  private readonly cache: PeerCache;
  private readonly clock: () => number;
  private readonly log: Logger;
  readonly store: CloudStore;

  constructor(o: CloudNodeOptions) {
    this.identity = o.identity;
    this.log = o.log;
    this.store = o.store;
    this.clock = o.clock ?? (() => performance.now());
    const wallClock = o.wallClock ?? (() => Date.now());
    this.router = new ChannelRouter([TELEMETRY_SERVICE, COMMANDS_SERVICE, ECHO_SERVICE], {
      allow: o.outbound ?? ((a) => a.type === TransportType.TCP),
    });
    this.registry = new Registry(o.store, wallClock, o.log);
    this.cache = new PeerCache(o.peerCacheSize ?? DEFAULT_PEER_CACHE);
    this.listener = new SecureChannelListener(this.router, {
      name: LISTENER_NAME,
      handshake: {
        provider: o.provider,
        identity: o.identity,
        policy: trustCallback((peer) => this.registry.mayHandshake(peer)),
        cache: this.cache,
        now: () => Math.floor(wallClock() / 1000),
      },
      authorize: (peer, extensions) => this.registry.admit(peer, extensions),
      clock: this.clock,
      ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
      ...(o.maxChannels !== undefined ? { maxChannels: o.maxChannels } : {}),
      ...(o.maxPendingHandshakes !== undefined ? { maxPendingHandshakes: o.maxPendingHandshakes } : {}),
      events: {
        opened: (info) => this.opened(info),
        closed: (info, reason) => this.log.info({ device: info.identifier, channel: info.id, reason }, 'channel closed'),
        dropped: (reason, error) => this.droppedByListener(reason, error),
      },
    });
    this.router.recognizeChannels((head) => this.listener.peerOf(head) !== undefined);
    const ctx: ServiceContext = {
      channels: this.listener,
      registry: this.registry,
      access: o.access ?? new AccessRules(),
      log: o.log,
      wallClock,
      send: (m) => this.router.route(m),
    };
    this.telemetry = new TelemetryService(ctx, o.store);
    this.commands = new CommandsService(ctx, o.store, o.commands);
    this.echo = new EchoService(ctx);
    this.router.register(TELEMETRY_SERVICE, this.telemetry.worker);
    this.router.register(COMMANDS_SERVICE, this.commands.worker);
    this.router.register(ECHO_SERVICE, this.echo.worker);
  }

  /** Timeouts: handshakes, idle channels, overdue command results. Call every second or so. */
  poll(): void {
    this.listener.poll(this.clock());
    this.commands.poll();
  }

  /** Revokes a device and closes its live channel (telling the device). */
  revoke(identifier: string): { revoked: boolean; closed: boolean } {
    const revoked = this.registry.revoke(identifier);
    this.cache.forget(parseIdentifier(identifier));
    const closed = this.listener.closeChannel(identifier, 'revoked');
    return { revoked, closed };
  }

  status(): ChannelStatus[] {
    const now = this.clock();
    return this.listener.channels().map((c) => ({
      identifier: c.identifier,
      channel: c.id,
      attributes: this.store.device(c.identifier)?.attributes ?? {},
      route: formatRoute(c.route),
      ageMs: Math.round(now - c.openedAt),
      idleMs: Math.round(now - c.lastHeard),
      sent: c.sent,
      received: c.received,
      rejected: c.rejected,
      roams: c.roams,
    }));
  }

  /** Closes every channel, telling the devices. */
  shutdown(reason = 'service stopping'): void {
    this.listener.shutdown(reason);
  }

  private opened(info: ChannelInfo): void {
    this.log.info({ device: info.identifier, channel: info.id, route: formatRoute(info.route) }, 'channel opened');
    try {
      this.commands.deliverPending(info.identifier, true);
    } catch (e) {
      this.log.error({ device: info.identifier, ...errorFields(e) }, 'pending commands not delivered');
    }
  }

  private droppedByListener(reason: string, error: unknown): void {
    // Reasons carry no secrets (listener.ts): codes and fixed phrases.
    const key = reason.replace(/: .*$/, '');
    this.dropped[key] = (this.dropped[key] ?? 0) + 1;
    this.log.warn({ reason, ...(error === undefined ? {} : errorFields(error)) }, 'listener dropped a message');
  }
}
