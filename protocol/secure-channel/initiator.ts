/**
 * The initiator side on a router: the device's one channel to one responder over a static
 * route, kept up for as long as it runs. Timer-free like the rest of the core: the shell calls
 * poll(now) at nextDeadline() (and after any message), so firmware, simulators and tests drive
 * the same code with a real or a simulated clock.
 *
 * Two LOCAL workers, registered once and kept across handshakes so the application always
 * sends to the same address:
 *   `<name>`    network side: message 2 and channel messages from the responder arrive here;
 *   `<name>.e`  local side: workers send `[<name>.e, service]` (e.g. telemetry) through it.
 *
 * States: handshaking (message 1 sent) -> confirming (message 3 sent) -> established, and
 * backoff between attempts. What may be lost, and what covers it:
 * - message 1 or 2: message 1 is resent unchanged (the listener answers a copy with the same
 *   message 2), with doubling delays, until `handshakeTimeoutMs`; then a fresh attempt after an
 *   exponential backoff with jitter (so a fleet that lost its cloud does not return in step);
 * - message 3: resent until the responder's first channel message (a PONG) confirms it; what
 *   local workers send meanwhile waits in a small queue;
 * - the channel itself (cloud restarted, device roamed out of reach): after `keepaliveMs` of
 *   silence the initiator sends PINGs; with no answer for another `deadAfterMs` the channel is
 *   given up and a new handshake starts. Silence, not sending, is the signal: a channel only
 *   learns its peer is alive from what comes back.
 */
import type { RandomSource } from '../crypto/provider.ts';
import { BurrowError, ConfigError, DecodeError, IdentityError } from '../errors.ts';
import { MessageType } from '../channel/constants.ts';
import type { VerifiedPeer } from '../identity/trust.ts';
import { Address } from '../routing/address.ts';
import { routedMessage, type RoutedMessage } from '../routing/message.ts';
import { Route } from '../routing/route.ts';
import type { Router } from '../routing/router.ts';
import { ChannelEnd } from './channel-end.ts';
import { decodeEnvelope, EnvelopeKind } from './envelope.ts';
import { InitiatorHandshake, type HandshakeConfig } from './handshake.ts';

// Our limits and timings (a device passes its own).
export const DEFAULT_RESEND_MS = 3_000;
export const DEFAULT_MAX_RESEND_MS = 12_000;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;
export const DEFAULT_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 300_000;
/** Well inside the listener's 300 s idle timeout, so a quiet device keeps its channel. */
export const DEFAULT_KEEPALIVE_MS = 60_000;
export const DEFAULT_DEAD_AFTER_MS = 30_000;
/** Messages local workers may send before the channel is confirmed; the oldest goes first. */
export const DEFAULT_MAX_QUEUED = 8;

export type InitiatorState = 'idle' | 'handshaking' | 'confirming' | 'established' | 'backoff';

export interface InitiatorEvents {
  established?(peer: VerifiedPeer): void;
  /** The channel ended (closed by the peer, given up, or closed here). */
  closed?(reason: string): void;
  dropped?(reason: string, error?: unknown): void;
}

export interface InitiatorOptions {
  /** LOCAL name of the network-side worker; the local side is `<name>.e`. */
  readonly name: string;
  /** To the responder's listener, e.g. [uart:gw, tcp:cloud.example:4000, api]. */
  readonly route: Route;
  readonly handshake: HandshakeConfig;
  readonly knowsResponder?: boolean;
  readonly sendReference?: boolean;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** Backoff jitter; the handshake provider's random by default. */
  readonly random?: RandomSource;
  readonly resendMs?: number;
  readonly maxResendMs?: number;
  readonly attemptTimeoutMs?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly keepaliveMs?: number;
  readonly deadAfterMs?: number;
  readonly maxQueued?: number;
  readonly events?: InitiatorEvents;
}

interface Attempt {
  readonly handshake: InitiatorHandshake;
  readonly message1: Uint8Array;
  readonly startedAt: number;
  /** Message 3 and where it goes, once message 2 is in. */
  message3?: { readonly payload: Uint8Array; readonly route: Route };
  resendAt: number;
  resendDelay: number;
}

export class SecureChannelInitiator {
  readonly decryptor: Address;
  readonly encryptor: Address;
  private readonly router: Router;
  private readonly o: InitiatorOptions;
  private readonly random: RandomSource;
  private status: InitiatorState = 'idle';
  private attempt: Attempt | undefined;
  private end: ChannelEnd | undefined;
  private queue: RoutedMessage[] = [];
  private failures = 0;
  private nextAttemptAt = 0;
  private lastPing = 0;
  /** Handshakes started, channels established, and local messages dropped from a full queue. */
  readonly stats = { attempts: 0, established: 0, queueDropped: 0 };

  constructor(router: Router, options: InitiatorOptions) {
    if (options.route.isEmpty) throw new ConfigError('CONFIG_INVALID', 'the route to the responder is empty');
    this.router = router;
    this.o = options;
    this.random = options.random ?? options.handshake.provider.random;
    this.decryptor = router.register(options.name, { handleMessage: (m) => this.onNetwork(m) });
    this.encryptor = router.register(`${options.name}.e`, { handleMessage: (m) => this.onLocal(m) });
  }

  get state(): InitiatorState {
    return this.status;
  }

  /** The verified responder, while a channel is up. */
  get peer(): VerifiedPeer | undefined {
    return this.status === 'established' ? this.end?.peer : undefined;
  }

  get channelStats(): { sent: number; received: number; rejected: number; roams: number } | undefined {
    return this.end?.counters();
  }

  /** Starts the first handshake (or a new one now, dropping any channel without notice). */
  start(): void {
    this.end?.close(this.o.clock(), false);
    this.end = undefined;
    const now = this.o.clock();
    const handshake = new InitiatorHandshake(this.o.handshake, {
      ...(this.o.knowsResponder !== undefined ? { knowsResponder: this.o.knowsResponder } : {}),
      ...(this.o.sendReference !== undefined ? { sendReference: this.o.sendReference } : {}),
    });
    const resendDelay = this.o.resendMs ?? DEFAULT_RESEND_MS;
    this.attempt = { handshake, message1: handshake.start(), startedAt: now, resendAt: now + resendDelay, resendDelay };
    this.status = 'handshaking';
    this.stats.attempts++;
    this.transmit(this.o.route, this.attempt.message1);
  }

  /** Closes the channel, telling the responder, and stays idle until start(). */
  close(reason = 'closed locally'): void {
    const wasOpen = this.end !== undefined;
    this.end?.close(this.o.clock(), true);
    this.end = undefined;
    this.attempt = undefined;
    this.status = 'idle';
    if (wasOpen) this.o.events?.closed?.(reason);
  }

  /** Does what is due at `now`: resends, keepalives, giving up, the next attempt. */
  poll(now: number): void {
    switch (this.status) {
      case 'handshaking':
      case 'confirming': {
        const a = this.attempt!;
        if (now - a.startedAt >= (this.o.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS)) {
          this.giveUp(now, this.status === 'handshaking' ? 'no answer to message 1' : 'message 3 never confirmed');
        } else if (now >= a.resendAt) {
          if (a.message3) this.transmit(a.message3.route, a.message3.payload);
          else this.transmit(this.o.route, a.message1);
          a.resendDelay = Math.min(a.resendDelay * 2, this.o.maxResendMs ?? DEFAULT_MAX_RESEND_MS);
          a.resendAt = now + a.resendDelay;
        }
        return;
      }
      case 'established': {
        const end = this.end!;
        const keepalive = this.o.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
        const silent = now - end.lastHeard;
        if (silent >= keepalive + (this.o.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS)) {
          end.close(now, false);
          this.end = undefined;
          this.o.events?.closed?.('responder silent');
          this.giveUp(now, 'responder silent');
        } else if (silent >= keepalive && now - Math.max(this.lastPing, end.lastHeard) >= this.pingInterval()) {
          this.lastPing = now;
          this.safely('ping', () => end.sendControl(MessageType.PING, now));
        }
        return;
      }
      case 'backoff':
        if (now >= this.nextAttemptAt) this.start();
        return;
      case 'idle':
        return;
    }
  }

  /** When poll() next has something to do (ms), or undefined while idle. */
  nextDeadline(): number | undefined {
    switch (this.status) {
      case 'handshaking':
      case 'confirming': {
        const a = this.attempt!;
        return Math.min(a.resendAt, a.startedAt + (this.o.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS));
      }
      case 'established': {
        const heard = this.end!.lastHeard;
        const keepalive = this.o.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
        const nextPing = Math.max(heard + keepalive, this.lastPing + this.pingInterval());
        return Math.min(nextPing, heard + keepalive + (this.o.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS));
      }
      case 'backoff':
        return this.nextAttemptAt;
      case 'idle':
        return undefined;
    }
  }

  /** PINGs repeat a few times within deadAfterMs, so one lost PONG does not end a channel. */
  private pingInterval(): number {
    return Math.max(1, Math.floor((this.o.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS) / 3));
  }

  private giveUp(now: number, reason: string): void {
    this.attempt = undefined;
    this.failures++;
    const base = this.o.backoffMs ?? DEFAULT_BACKOFF_MS;
    const cap = this.o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    const delay = Math.min(cap, base * 2 ** Math.min(this.failures - 1, 20));
    // Full jitter on the upper half: between delay/2 and delay.
    const r = this.random(2);
    const jitter = ((r[0]! << 8) | r[1]!) / 65536;
    this.nextAttemptAt = now + Math.floor(delay / 2 + (delay / 2) * jitter);
    this.status = 'backoff';
    this.o.events?.dropped?.(reason);
  }

  private onNetwork(message: RoutedMessage): void {
    this.safely('bad message from the network', () => {
      const envelope = decodeEnvelope(message.payload);
      const now = this.o.clock();
      if (envelope.kind === EnvelopeKind.MESSAGE2 && this.status === 'handshaking') return this.onMessage2(message, now);
      if (envelope.kind === EnvelopeKind.TRANSPORT && this.end !== undefined) return this.onTransport(message, envelope.body, now);
      this.o.events?.dropped?.(`envelope kind ${envelope.kind} while ${this.status}`);
    });
  }

  // <- e, ee, s, es   then   -> s, se
  private onMessage2(message: RoutedMessage, now: number): void {
    const a = this.attempt!;
    let established;
    try {
      established = a.handshake.receive(message.payload, now);
    } catch (e) {
      // A corrupted or forged message 2 fails decryption and the Noise state rolls back, so
      // the genuine one, if it comes, still completes. A message 2 that decrypts but names an
      // payload we refuse (bad form, untrusted identity) has moved the state on: this attempt
      // is over.
      if (!(e instanceof IdentityError || e instanceof DecodeError)) throw e;
      this.giveUp(now, `responder refused: ${e.code}`);
      return;
    }
    a.message3 = { payload: established.reply, route: message.returnRoute };
    a.resendDelay = this.o.resendMs ?? DEFAULT_RESEND_MS;
    a.resendAt = now + a.resendDelay;
    this.end = new ChannelEnd({
      channel: established.channel, peer: established.peer, decryptor: this.decryptor, encryptor: this.encryptor,
      route: message.returnRoute, send: (m) => this.router.route(m), now,
    });
    this.status = 'confirming';
    this.transmit(message.returnRoute, established.reply);
  }

  private onTransport(message: RoutedMessage, wire: Uint8Array, now: number): void {
    const end = this.end!;
    const received = end.receive(message, wire, now);
    if (this.status === 'confirming') this.confirm();
    if (received.kind === 'payload') this.router.route(received.delivered);
    else if (received.kind === 'close') {
      this.end = undefined;
      this.o.events?.closed?.('closed by the responder');
      this.giveUp(now, 'closed by the responder');
    }
  }

  private confirm(): void {
    this.status = 'established';
    this.attempt = undefined;
    this.failures = 0;
    this.stats.established++;
    this.o.events?.established?.(this.end!.peer);
    const queued = this.queue;
    this.queue = [];
    for (const m of queued) this.safely('queued message', () => this.end!.sendLocal(m, this.o.clock()));
  }

  /** A local worker's message into the channel: sent now, or queued until the channel is up. */
  private onLocal(message: RoutedMessage): void {
    if (this.status === 'established') {
      this.end!.sendLocal(message, this.o.clock());
      return;
    }
    this.queue.push(message);
    if (this.queue.length > (this.o.maxQueued ?? DEFAULT_MAX_QUEUED)) {
      this.queue.shift();
      this.stats.queueDropped++;
      this.o.events?.dropped?.('queue full: oldest local message dropped');
    }
  }

  private transmit(route: Route, payload: Uint8Array): void {
    this.safely('send failed', () => this.router.route(routedMessage(route, Route.of([this.decryptor]), payload)));
  }

  /** A link that is down or a peer's bad input must never throw out of a timer or a link. */
  private safely(reason: string, work: () => void): void {
    try {
      work();
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      this.o.events?.dropped?.(`${reason}: ${e.code}`, e);
    }
  }
}
