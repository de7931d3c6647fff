/**
 * One end of an established secure channel on a router (Ockam's model): two LOCAL addresses,
 *
 * - the *decryptor*, facing the network: the peer sends transport envelopes to it, and every
 *   message this end sends carries it as the return route, so the peer's replies find it;
 * - the *encryptor*, facing this node: local workers send to `[encryptor, ...far route]`, and
 *   the plaintext the peer sends is delivered with the encryptor pushed onto its return route,
 *   so `context.reply()` goes back through the channel.
 *
 * The plaintext inside the channel is itself a routed message (routing/codec.ts), so one
 * channel reaches any number of services on the far node. Only LOCAL heads are delivered: the
 * far end cannot use this node as a proxy onto its transports.
 *
 * Roaming (design.md): the network route to the peer is the return route of the newest
 * authenticated message (highest counter), so a device that comes back through another
 * gateway keeps its channel; an older message overtaken on a slower path moves nothing, and
 * a route to another recipient needs more than one message to move it (see follow).
 *
 * The owners (listener.ts, initiator.ts) register the two workers and pass messages in; this
 * class owns no timers and reports what happened through its return values and events.
 */
import { ChannelError, RoutingError } from '../errors.ts';
import { ChannelTransport, MessageType, type ReceivedMessage } from '../channel/transport.ts';
import type { VerifiedPeer } from '../identity/trust.ts';
import type { Address } from '../routing/address.ts';
import { decodeMessage, encodeMessage } from '../routing/codec.ts';
import { routedMessage, type RoutedMessage } from '../routing/message.ts';
import { Route } from '../routing/route.ts';
import { encodeEnvelope, EnvelopeKind } from './envelope.ts';

// Our limits.
/**
 * Authenticated messages in a row that must arrive by a route to a new recipient before the
 * channel follows it: two, because a random corruption of the route does not repeat itself,
 * while a hop that rewrites every message can drop them all anyway.
 */
const RECIPIENT_CONFIRMATIONS = 2;

export interface ChannelEndOptions {
  readonly channel: ChannelTransport;
  readonly peer: VerifiedPeer;
  readonly decryptor: Address;
  readonly encryptor: Address;
  /** Where the peer was last heard from: the first network route. */
  readonly route: Route;
  /** Routes a message on this node (Router.route). */
  readonly send: (message: RoutedMessage) => void;
  readonly now: number;
  /** Which LOCAL workers plaintext may be delivered to; any LOCAL worker by default. */
  readonly deliverTo?: (head: Address) => boolean;
}

/** What an authenticated network message turned out to be, for the owner to act on. */
export type Received =
  | { readonly kind: 'payload'; readonly delivered: RoutedMessage }
  | { readonly kind: 'ping' }
  | { readonly kind: 'pong' }
  | { readonly kind: 'close' };

export interface ChannelEndStats {
  /** Plaintext messages sent and delivered; control messages are not counted. */
  sent: number;
  received: number;
  /** Network messages that failed authentication, replayed or did not parse. */
  rejected: number;
  /** The network route changed to a new return route (a roam). */
  roams: number;
}

export class ChannelEnd {
  readonly peer: VerifiedPeer;
  readonly decryptor: Address;
  readonly encryptor: Address;
  readonly openedAt: number;
  readonly stats: ChannelEndStats = { sent: 0, received: 0, rejected: 0, roams: 0 };
  private readonly channel: ChannelTransport;
  private readonly send: (message: RoutedMessage) => void;
  private readonly deliverTo: ((head: Address) => boolean) | undefined;
  private networkRoute: Route;
  /** A route to another recipient than networkRoute's, and how many messages in a row came by it. */
  private candidate: { route: Route; seen: number } | undefined;
  private newestNonce = -1;
  private lastReceived: number;
  private lastSent: number;

  constructor(options: ChannelEndOptions) {
    this.channel = options.channel;
    this.peer = options.peer;
    this.decryptor = options.decryptor;
    this.encryptor = options.encryptor;
    this.networkRoute = options.route;
    this.send = options.send;
    this.deliverTo = options.deliverTo;
    this.openedAt = options.now;
    this.lastReceived = options.now;
    this.lastSent = options.now;
  }

  get route(): Route {
    return this.networkRoute;
  }

  get isOpen(): boolean {
    return this.channel.state === 'open';
  }

  /** Time (ms) of the newest authenticated message, or of establishment. */
  get lastHeard(): number {
    return this.lastReceived;
  }

  /** Time (ms) this end last sent anything. */
  get lastSpoke(): number {
    return this.lastSent;
  }

  /**
   * Opens a transport envelope body from the network. Throws DecodeError, ChannelError or
   * CryptoError for anything forged, replayed or malformed (the owner drops and counts it);
   * RoutingError when an authentic plaintext names a non-local or unknown recipient.
   */
  receive(message: RoutedMessage, wire: Uint8Array, now: number): Received {
    let opened: ReceivedMessage;
    try {
      opened = this.channel.decrypt(wire, now);
    } catch (e) {
      this.stats.rejected++;
      throw e;
    }
    this.lastReceived = Math.max(this.lastReceived, now);
    if (opened.nonce > this.newestNonce) {
      this.newestNonce = opened.nonce;
      this.follow(message.returnRoute);
    }
    switch (opened.type) {
      case MessageType.PAYLOAD:
        return { kind: 'payload', delivered: this.deliver(opened.body) };
      case MessageType.PING:
        this.sendControl(MessageType.PONG, now);
        return { kind: 'ping' };
      case MessageType.PONG:
        return { kind: 'pong' };
      default:
        return { kind: 'close' };
    }
  }

  /** Sends a message a local worker addressed to the encryptor, through the channel. */
  sendLocal(message: RoutedMessage, now: number): void {
    const farRoute = message.onwardRoute.pop();
    if (farRoute.isEmpty) throw new RoutingError('ROUTE_EMPTY', 'a message into a channel needs a route on the far side');
    const inner = encodeMessage({ onwardRoute: farRoute, returnRoute: message.returnRoute, payload: message.payload });
    this.transmit(MessageType.PAYLOAD, inner, now);
    this.stats.sent++;
  }

  /** PING, PONG or CLOSE: nothing but the type. */
  sendControl(type: typeof MessageType.PING | typeof MessageType.PONG | typeof MessageType.CLOSE, now: number): void {
    this.transmit(type, new Uint8Array(0), now);
  }

  /** Tells the peer (best effort: the route may be down) and erases the keys. */
  close(now: number, notifyPeer: boolean): void {
    if (!this.isOpen) return;
    if (notifyPeer) {
      try {
        this.sendControl(MessageType.CLOSE, now);
      } catch {
        // The link toward the peer is down: it learns of the close by its own idle timeout.
      }
    }
    this.channel.close();
  }

  counters(): { sent: number; received: number; rejected: number; roams: number } {
    return { ...this.stats };
  }

  private transmit(type: MessageType, body: Uint8Array, now: number): void {
    if (!this.isOpen) throw new ChannelError('CHANNEL_CLOSED', 'the channel is closed');
    const wire = this.channel.encrypt(type, body);
    this.lastSent = now;
    this.send(routedMessage(this.networkRoute, Route.of([this.decryptor]), encodeEnvelope(EnvelopeKind.TRANSPORT, wire)));
  }

  /**
   * The return route of an authentic message from the peer: every newer transport message, and
   * the listener's authentic repeats of message 3.
   *
   * Routes sit outside the encryption, so a hop can rewrite the return route of a genuine
   * message. Which transports lead to the peer may change at any message (that is a roam); the
   * peer's decryptor, the route's last address, never changes during the channel's life. So a
   * route to another recipient is followed only once RECIPIENT_CONFIRMATIONS messages in a row
   * agree on it: one tampered message cannot send every later one into the void (a stall that
   * outlived the tampering), and a recipient wrong from the start (a handshake message's route
   * rewritten) is corrected by the peer's next messages.
   */
  follow(route: Route): void {
    if (route.isEmpty || route.equals(this.networkRoute)) {
      this.candidate = undefined;
      return;
    }
    if (!route.recipient().equals(this.networkRoute.recipient())) {
      const agreeing = this.candidate !== undefined && this.candidate.route.recipient().equals(route.recipient());
      this.candidate = { route, seen: agreeing ? this.candidate!.seen + 1 : 1 };
      if (this.candidate.seen < RECIPIENT_CONFIRMATIONS) return;
    }
    this.candidate = undefined;
    this.networkRoute = route;
    this.stats.roams++;
  }

  private deliver(plaintext: Uint8Array): RoutedMessage {
    const inner = decodeMessage(plaintext);
    const head = inner.onwardRoute.next();
    if (!head.isLocal) throw new RoutingError('ROUTE_FORBIDDEN', 'a channel delivers only to local workers');
    if (this.deliverTo !== undefined && !this.deliverTo(head)) throw new RoutingError('ROUTE_FORBIDDEN', 'a channel may not deliver to that worker');
    this.stats.received++;
    return { onwardRoute: inner.onwardRoute, returnRoute: inner.returnRoute.prepend(this.encryptor), payload: inner.payload };
  }
}
