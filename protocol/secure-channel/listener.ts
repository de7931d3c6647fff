/**
 * The responder side on a router: a listener worker (e.g. at `api`) that answers message 1 by
 * creating a channel with its own pair of LOCAL addresses (see channel-end.ts), finishes the
 * handshake at the channel's decryptor, asks `authorize` whether this verified peer may have a
 * channel, and then runs the channel until it is closed, replaced or idle.
 *
 * Loss and duplication on the way (any hop may do both):
 * - a duplicated message 1 gets the same message 2 again (keyed by its bytes, which hold the
 *   initiator's fresh ephemeral key), not a second half-open handshake;
 * - a lost message 3 shows as silence; the initiator resends it until the first channel
 *   message (a PONG, sent as soon as the channel is up) confirms it; a repeated message 3
 *   is answered with another PONG;
 * - handshakes that never finish expire after `handshakeTimeoutMs`, and at most
 *   `maxPendingHandshakes` may wait at once, so message 1 floods cost bounded memory.
 *
 * A peer with a live channel that handshakes again (a rebooted device) replaces its old
 * channel: one channel per identity, so lookups by identifier are unambiguous.
 *
 * Everything from the network is dropped (never thrown back into a transport) and reported
 * through `events.dropped` with a stable reason, so a shell can log and count it.
 */
import { equalBytes, toHex, utf8Decode } from '../bytes.ts';
import { MessageType } from '../channel/constants.ts';
import type { RandomSource } from '../crypto/provider.ts';
import { BurrowError, ConfigError } from '../errors.ts';
import type { PayloadExtension } from '../identity/payload.ts';
import type { VerifiedPeer } from '../identity/trust.ts';
import { Address } from '../routing/address.ts';
import { routedMessage, type RoutedMessage } from '../routing/message.ts';
import { Route } from '../routing/route.ts';
import type { Router } from '../routing/router.ts';
import { ChannelEnd } from './channel-end.ts';
import { decodeEnvelope, EnvelopeKind } from './envelope.ts';
import { ResponderHandshake, type HandshakeConfig } from './handshake.ts';

// Our limits (a server may raise them).
/** An XX handshake is two round trips; over a BLE hop and a store-and-forward gateway, 30 s
 *  leaves room for a device that computes its DHs in ~2 s each. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** Longer than the device keepalive (initiator.ts, 60 s) several times over, so only a device
 *  that is really gone is closed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_PENDING_HANDSHAKES = 10_000;
export const DEFAULT_MAX_CHANNELS = 100_000;

export type Authorization = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface ChannelInfo {
  readonly id: string;
  readonly identifier: string;
  readonly peer: VerifiedPeer;
  readonly encryptor: Address;
  readonly decryptor: Address;
  readonly route: Route;
  readonly openedAt: number;
  readonly lastHeard: number;
  readonly sent: number;
  readonly received: number;
  readonly rejected: number;
  readonly roams: number;
}

export interface ListenerEvents {
  opened?(info: ChannelInfo): void;
  closed?(info: ChannelInfo, reason: string): void;
  /** Something from the network was dropped; `error` is typed (a BurrowError) when known. */
  dropped?(reason: string, error?: unknown): void;
}

export interface ListenerOptions {
  /** LOCAL name of the listener, e.g. 'api'. */
  readonly name: string;
  readonly handshake: HandshakeConfig;
  /** Decides, after the peer is verified, whether it may have a channel (registry lookup). */
  readonly authorize?: (peer: VerifiedPeer, extensions: readonly PayloadExtension[]) => Authorization;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** Names channel addresses; the listener's handshake provider's random by default. */
  readonly random?: RandomSource;
  readonly handshakeTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxPendingHandshakes?: number;
  readonly maxChannels?: number;
  /** Which LOCAL workers a channel may deliver to (default: any). A cloud names its services
   *  here, so a device cannot use its channel to reach `api`, another channel's encryptor, or
   *  anything else on the node. */
  readonly deliverTo?: (head: Address) => boolean;
  readonly events?: ListenerEvents;
}

interface Pending {
  readonly id: string;
  readonly handshake: ResponderHandshake;
  readonly message2: Uint8Array;
  readonly message1Key: string;
  readonly startedAt: number;
}

interface Open {
  readonly id: string;
  readonly end: ChannelEnd;
  /** Message 3 as received, to recognise a resent copy and confirm it again. */
  readonly message3: Uint8Array;
}

/** Channel address names: `sc.<16 hex>` (decryptor) and `sc.<16 hex>.e` (encryptor). */
const decryptorName = (id: string) => `sc.${id}`;
const encryptorName = (id: string) => `sc.${id}.e`;

export class SecureChannelListener {
  readonly address: Address;
  private readonly router: Router;
  private readonly options: ListenerOptions;
  private readonly random: RandomSource;
  private readonly pending = new Map<string, Pending>();
  private readonly pendingByMessage1 = new Map<string, Pending>();
  private readonly open = new Map<string, Open>();
  private readonly byIdentifier = new Map<string, Open>();
  private readonly byEncryptor = new Map<string, Open>();

  constructor(router: Router, options: ListenerOptions) {
    this.router = router;
    this.options = options;
    this.random = options.random ?? options.handshake.provider.random;
    for (const [name, v] of [['handshakeTimeoutMs', options.handshakeTimeoutMs], ['idleTimeoutMs', options.idleTimeoutMs]] as const) {
      if (v !== undefined && !(v > 0)) throw new ConfigError('CONFIG_INVALID', `${name} must be positive`);
    }
    this.address = router.register(options.name, { handleMessage: (m) => this.onMessage1(m) });
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get channelCount(): number {
    return this.open.size;
  }

  channels(): ChannelInfo[] {
    return [...this.open.values()].map(infoOf);
  }

  /** The live channel of an identifier ('I' + 40 hex). */
  channelOf(identifier: string): ChannelInfo | undefined {
    const o = this.byIdentifier.get(identifier);
    return o && infoOf(o);
  }

  /**
   * Who sent a message a channel delivered: its return route's head is that channel's
   * encryptor. Services call this to authenticate the sender; undefined means "not from a
   * channel" (refuse it).
   */
  peerOf(returnHead: Address): ChannelInfo | undefined {
    if (!returnHead.isLocal) return undefined;
    const o = this.byEncryptor.get(toHex(returnHead.value));
    return o && infoOf(o);
  }

  /** True when `head` is a LOCAL address the network may reach: this listener or a channel's decryptor. */
  acceptsFromNetwork(head: Address): boolean {
    if (!head.isLocal) return false;
    if (head.equals(this.address)) return true;
    const name = utf8Decode(head.value);
    const id = name.startsWith('sc.') ? name.slice(3) : '';
    return this.pending.has(id) || this.open.has(id);
  }

  /** Closes the channel of an identifier, telling the peer (revocation, shutdown). */
  closeChannel(identifier: string, reason: string): boolean {
    const o = this.byIdentifier.get(identifier);
    if (o === undefined) return false;
    this.closeOpen(o, reason, true);
    return true;
  }

  /** Expires handshakes and idle channels; call it from a timer (every second or so). */
  poll(now: number): void {
    const handshakeTimeout = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    for (const p of this.pending.values()) {
      if (now - p.startedAt >= handshakeTimeout) {
        this.forgetPending(p);
        this.options.events?.dropped?.('handshake timed out');
      }
    }
    const idleTimeout = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    for (const o of this.open.values()) {
      if (now - o.end.lastHeard >= idleTimeout) this.closeOpen(o, 'idle timeout', true);
    }
  }

  /** Closes every channel (telling the peers) and stops listening. */
  shutdown(reason = 'shutting down'): void {
    for (const o of [...this.open.values()]) this.closeOpen(o, reason, true);
    for (const p of [...this.pending.values()]) this.forgetPending(p);
    this.router.unregister(this.options.name);
  }

  // -> e
  private onMessage1(message: RoutedMessage): void {
    this.guard('bad message 1', () => {
      const envelope = decodeEnvelope(message.payload);
      if (envelope.kind !== EnvelopeKind.MESSAGE1) {
        this.options.events?.dropped?.(`handshake message ${envelope.kind} sent to the listener`);
        return;
      }
      const key = toHex(message.payload);
      const again = this.pendingByMessage1.get(key);
      if (again !== undefined) {
        this.replyFrom(again.id, message, again.message2);
        return;
      }
      if (this.pending.size >= (this.options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES)) {
        this.options.events?.dropped?.('too many pending handshakes');
        return;
      }
      const handshake = new ResponderHandshake(this.options.handshake);
      const message2 = handshake.receiveHello(message.payload);
      const id = toHex(this.random(8));
      const pending: Pending = { id, handshake, message2, message1Key: key, startedAt: this.options.clock() };
      this.pending.set(id, pending);
      this.pendingByMessage1.set(key, pending);
      this.router.register(decryptorName(id), { handleMessage: (m) => this.onDecryptorMessage(id, m) });
      this.replyFrom(id, message, message2);
    });
  }

  /** Message 3, a resent message 3, or a transport message, at a channel's decryptor. */
  private onDecryptorMessage(id: string, message: RoutedMessage): void {
    this.guard('bad channel message', () => {
      const envelope = decodeEnvelope(message.payload);
      const open = this.open.get(id);
      if (open !== undefined) {
        if (envelope.kind === EnvelopeKind.TRANSPORT) this.onTransport(open, message, envelope.body);
        else if (envelope.kind === EnvelopeKind.MESSAGE3 && equalBytes(message.payload, open.message3)) {
          // The device never heard our PONG: perhaps it went to a route a hop had rewritten.
          open.end.follow(message.returnRoute);
          open.end.sendControl(MessageType.PONG, this.options.clock()); // confirm again
        } else this.options.events?.dropped?.(`handshake message ${envelope.kind} on an open channel`);
        return;
      }
      const pending = this.pending.get(id);
      if (pending === undefined) return; // unregistered meanwhile
      if (envelope.kind !== EnvelopeKind.MESSAGE3) {
        this.options.events?.dropped?.(`envelope kind ${envelope.kind} before message 3`);
        return;
      }
      this.finish(pending, message);
    });
  }

  // -> s, se
  private finish(pending: Pending, message: RoutedMessage): void {
    const now = this.options.clock();
    let established;
    try {
      established = pending.handshake.receiveFinish(message.payload, now);
    } catch (e) {
      // A forged or corrupted message 3 leaves the handshake state as it was (rollback), so
      // the genuine one, if it comes, still completes.
      this.options.events?.dropped?.('message 3 refused', e);
      return;
    }
    // The decryptor stays registered: it becomes the open channel's (or is dropped below).
    this.forgetPending(pending, true);
    const decision = this.options.authorize?.(established.peer, established.peer.extensions) ?? { ok: true };
    const refusal = !decision.ok ? `not authorized: ${decision.reason}`
      : this.open.size >= (this.options.maxChannels ?? DEFAULT_MAX_CHANNELS) ? 'too many channels' : undefined;
    if (refusal !== undefined) {
      established.channel.close();
      this.router.unregister(decryptorName(pending.id));
      this.options.events?.dropped?.(refusal);
      return;
    }
    const id = pending.id;
    const end = new ChannelEnd({
      channel: established.channel,
      peer: established.peer,
      decryptor: Address.local(decryptorName(id)),
      encryptor: Address.local(encryptorName(id)),
      route: message.returnRoute,
      send: (m) => this.router.route(m),
      now,
      ...(this.options.deliverTo ? { deliverTo: this.options.deliverTo } : {}),
    });
    const open: Open = { id, end, message3: message.payload.slice() };
    const previous = this.byIdentifier.get(established.peer.id);
    if (previous !== undefined) this.closeOpen(previous, 'replaced by a new handshake', false);
    this.router.register(encryptorName(id), { handleMessage: (m) => this.onLocal(open, m) });
    this.open.set(id, open);
    this.byIdentifier.set(established.peer.id, open);
    this.byEncryptor.set(toHex(end.encryptor.value), open);
    end.sendControl(MessageType.PONG, now); // "message 3 arrived": the initiator stops resending it
    this.options.events?.opened?.(infoOf(open));
  }

  private onTransport(open: Open, message: RoutedMessage, wire: Uint8Array): void {
    const received = open.end.receive(message, wire, this.options.clock());
    if (received.kind === 'payload') this.router.route(received.delivered);
    else if (received.kind === 'close') this.closeOpen(open, 'closed by peer', false);
  }

  private onLocal(open: Open, message: RoutedMessage): void {
    // Local workers' errors go back to them (the router throws to the sender).
    open.end.sendLocal(message, this.options.clock());
  }

  private closeOpen(open: Open, reason: string, notifyPeer: boolean): void {
    if (this.open.get(open.id) !== open) return;
    open.end.close(this.options.clock(), notifyPeer);
    this.open.delete(open.id);
    if (this.byIdentifier.get(open.end.peer.id) === open) this.byIdentifier.delete(open.end.peer.id);
    this.byEncryptor.delete(toHex(open.end.encryptor.value));
    this.router.unregister(decryptorName(open.id));
    this.router.unregister(encryptorName(open.id));
    this.options.events?.closed?.(infoOf(open), reason);
  }

  private forgetPending(p: Pending, keepAddress = false): void {
    this.pending.delete(p.id);
    this.pendingByMessage1.delete(p.message1Key);
    if (!keepAddress) this.router.unregister(decryptorName(p.id));
  }

  private replyFrom(id: string, to: RoutedMessage, payload: Uint8Array): void {
    this.router.route(routedMessage(to.returnRoute, Route.of([Address.local(decryptorName(id))]), payload));
  }

  /** Network input never throws back into a transport: typed failures are dropped and reported. */
  private guard(reason: string, work: () => void): void {
    try {
      work();
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      this.options.events?.dropped?.(`${reason}: ${e.code}`, e);
    }
  }
}

function infoOf(o: Open): ChannelInfo {
  const e = o.end;
  return {
    id: o.id, identifier: e.peer.id, peer: e.peer, encryptor: e.encryptor, decryptor: e.decryptor, route: e.route,
    openedAt: e.openedAt, lastHeard: e.lastHeard, ...e.counters(),
  };
}
