/**
 * The secure channel's transport phase: what flows after the XX handshake's split() (Noise
 * §5.2), as an I/O-free object. `encrypt` turns a typed body into wire bytes, `decrypt` turns
 * wire bytes back or throws a typed error; a failed decrypt leaves the channel as it was (only
 * the rejection counters move). Byte layout in constants.ts and codec.ts.
 *
 * Design: explicit counters instead of Noise's implicit n (§5.1). Messages cross several hops
 * and arrive lost and reordered; an implicit counter desynchronises at the first gap, so each
 * message carries its counter, a replay window takes the place of n's strict order, and the
 * rekey epoch is read from the counter (epoch-keys.ts). The AD is h || counter bytes: h binds
 * each message to this one handshake (defence in depth, should two channels ever share a key),
 * the counter bytes bind the clear header as a whole, not only the nonce it encodes.
 *
 * Order in decrypt: cheap checks first (size, window, epoch bound), then one AEAD, then every
 * state change at once. Nothing moves before the AEAD verifies (the future-key cache aside,
 * which is a pure function of the current key), so forgeries cost bounded work and change
 * nothing.
 */
import { ChannelError, ConfigError, CryptoError, DecodeError } from '../errors.ts';
import type { CipherFunctions } from '../crypto/provider.ts';
import {
  COUNTER_BYTES,
  DEFAULT_MAX_EPOCH_SKIP,
  MAX_CHANNEL_BODY,
  MAX_COUNTER,
  MessageType,
  REKEY_INTERVAL,
  REPLAY_WINDOW,
  TAG_BYTES,
  TYPE_BYTES,
} from './constants.ts';
import { checkSealedLength, isMessageType, layOutMessage, plaintextType, readCounter } from './codec.ts';
import { epochOf, ReceiveKeys, SendKeys } from './epoch-keys.ts';
import { ReplayWindow } from './replay-window.ts';

/** Re-exported for callers that import the transport alone. */
export { MessageType } from './constants.ts';

// Node's inspect hook is a registered symbol, so naming it needs no Node import.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What split() leaves (Noise §5.2): one key per direction, and the handshake hash h. */
export interface ChannelKeys {
  readonly cipher: CipherFunctions;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** The channel binding: the handshake hash h (§11.2). */
  readonly binding: Uint8Array;
}

export interface ChannelOptions {
  /**
   * Time the channel was established, in ms on any monotonic clock (the same one every call
   * uses): starts the idle clock. Default 0.
   */
  readonly now?: number;
  /** Epochs one received message may move the receiver forward (see constants.ts). */
  readonly maxEpochSkip?: number;
}

export interface ReceivedMessage {
  readonly type: MessageType;
  readonly body: Uint8Array;
  /** The message's counter: unique per direction, for logs and the layer above. */
  readonly nonce: number;
}

export interface ChannelCounters {
  sent: number;
  received: number;
  rejectedReplay: number;
  rejectedTooOld: number;
  /** Counter more than maxEpochSkip epochs ahead: a forgery, or a loss longer than allowed. */
  rejectedTooFar: number;
  rejectedAuth: number;
  /** Bad length or counter range, or (after authentication) an undefined type byte. */
  rejectedMalformed: number;
}

export type ChannelState = 'open' | 'closed';

export class ChannelTransport {
  private status: ChannelState = 'open';
  private readonly stats: ChannelCounters = {
    sent: 0, received: 0, rejectedReplay: 0, rejectedTooOld: 0, rejectedTooFar: 0, rejectedAuth: 0, rejectedMalformed: 0,
  };
  private readonly cipher: CipherFunctions;
  private readonly sendKeys: SendKeys;
  private readonly receiveKeys: ReceiveKeys;
  private readonly window = new ReplayWindow(REPLAY_WINDOW);
  /** h || counter: h written once, the counter rewritten per message (scratch, not state). */
  private readonly ad: Uint8Array;
  private sendCounter = 0;
  private lastActive: number;

  /** Copies the keys: the caller should drop its own copies of split()'s output. */
  constructor(keys: ChannelKeys, options: ChannelOptions = {}) {
    if (keys.sendKey.length !== 32 || keys.receiveKey.length !== 32) {
      throw new ConfigError('CONFIG_INVALID', 'channel keys must be 32 bytes'); // Noise §5.2 split
    }
    if (keys.binding.length === 0) throw new ConfigError('CONFIG_INVALID', 'channel binding h must not be empty');
    const now = options.now ?? 0;
    checkTime(now, 'now');
    this.cipher = keys.cipher;
    this.sendKeys = new SendKeys(keys.cipher, keys.sendKey);
    this.receiveKeys = new ReceiveKeys(keys.cipher, keys.receiveKey, options.maxEpochSkip ?? DEFAULT_MAX_EPOCH_SKIP);
    this.ad = new Uint8Array(keys.binding.length + COUNTER_BYTES);
    this.ad.set(keys.binding, 0);
    this.lastActive = now;
  }

  get state(): ChannelState {
    return this.status;
  }

  get counters(): Readonly<ChannelCounters> {
    return this.stats;
  }

  /** The counter the next sent message will carry. */
  get nextNonce(): number {
    return this.sendCounter;
  }

  /** Time of the last authenticated message received (or of establishment). */
  get lastActivity(): number {
    return this.lastActive;
  }

  /** Receive-key epochs currently held, newest first (diagnostics and tests). */
  get receiveEpochs(): number[] {
    return this.receiveKeys.heldEpochs;
  }

  /**
   * True when nothing authenticated arrived for `timeoutMs`. Only received messages count:
   * sending proves nothing about the peer, so an end whose peer lost the channel goes idle
   * however much it sends. The shell closes idle channels; a quiet end keeps its peer's
   * channel open by sending (an empty PAYLOAD will do).
   */
  isIdle(now: number, timeoutMs: number): boolean {
    checkTime(now, 'now');
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new ConfigError('CONFIG_INVALID', 'timeoutMs must be a positive number');
    return now - this.lastActive >= timeoutMs;
  }

  /** Seals one message. A CLOSE closes this end once sealed. */
  encrypt(type: MessageType, body: Uint8Array): Uint8Array {
    this.checkOpen();
    if (!isMessageType(type)) throw new ConfigError('CONFIG_INVALID', 'undefined channel message type');
    if (body.length > MAX_CHANNEL_BODY) throw new ChannelError('CHANNEL_OVERSIZE', `body exceeds ${MAX_CHANNEL_BODY} bytes`);
    const n = this.sendCounter;
    if (n > MAX_COUNTER) throw new ChannelError('CHANNEL_NONCE_EXHAUSTED', 'every counter is used: establish a new channel');
    const key = this.sendKeys.keyFor(epochOf(n));
    const wire = layOutMessage(n, type, body);
    this.setAdCounter(wire);
    // ENCRYPT(k, n, ad, plaintext) (Noise §5.1), with our explicit n in place of the implicit one
    sealInPlace(this.cipher, key, n, this.ad, wire, COUNTER_BYTES, wire.length - COUNTER_BYTES - TAG_BYTES);
    this.sendCounter = n + 1;
    this.stats.sent++;
    if (type === MessageType.CLOSE) this.close();
    return wire;
  }

  /**
   * Opens one message received at `now` (the idle clock's ms; omit it and the message does not
   * count as activity). Throws DecodeError (malformed), ChannelError (closed, replay, too old,
   * too far) or CryptoError (forged or corrupted); then only the matching rejection counter
   * changes.
   */
  decrypt(wire: Uint8Array, now?: number): ReceivedMessage {
    this.checkOpen();
    if (now !== undefined) checkTime(now, 'now');
    let n: number;
    let plaintext: Uint8Array;
    let type: MessageType;
    try {
      // The header is read in place (decodeSealedMessage's checks, without its views).
      checkSealedLength(wire);
      n = readCounter(wire, 0);
      this.window.check(n);
      const key = this.receiveKeys.lookup(epochOf(n));
      this.setAdCounter(wire);
      // DECRYPT(k, n, ad, ciphertext) (Noise §5.1) under the epoch's key and the explicit n
      plaintext = this.cipher.decrypt(key, n, this.ad, wire.subarray(COUNTER_BYTES));
      // Authenticated, yet an undefined type is refused before anything moves: an end never
      // acts on (or marks as seen) a message it cannot interpret.
      type = plaintextType(plaintext);
    } catch (e) {
      this.countRejection(e);
      throw e;
    }

    this.receiveKeys.commit(epochOf(n));
    this.window.accept(n);
    // The window reaches into the previous epoch only while its lowest counter is below the
    // current epoch's first; after that the old key can open nothing acceptable (forward secrecy).
    if (this.window.lowest >= this.receiveKeys.currentEpoch * REKEY_INTERVAL) this.receiveKeys.dropPrevious();
    this.stats.received++;
    if (now !== undefined && now > this.lastActive) this.lastActive = now;
    if (type === MessageType.CLOSE) this.close();
    return { type, body: plaintext.subarray(TYPE_BYTES), nonce: n };
  }

  /** Burns `count` counters without sending: only ever forward, so no counter is reused.
   *  For simulating loss in tests; keys are derived lazily at the next encrypt. */
  discardSendNonces(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new ConfigError('CONFIG_INVALID', 'count must be a non-negative integer');
    this.sendCounter = Math.min(this.sendCounter + count, MAX_COUNTER + 1);
  }

  /** Closes this end without telling the peer (idle timeout, shutdown) and erases the keys. */
  close(): void {
    if (this.status === 'closed') return;
    this.status = 'closed';
    this.sendKeys.erase();
    this.receiveKeys.erase();
  }

  toString(): string {
    return `ChannelTransport(${this.status}, sent ${this.stats.sent}, received ${this.stats.received}, keys hidden)`;
  }

  toJSON(): { state: ChannelState; nextNonce: number; lastActivity: number; counters: ChannelCounters } {
    return { state: this.status, nextNonce: this.sendCounter, lastActivity: this.lastActive, counters: { ...this.stats } };
  }

  [INSPECT](): string {
    return this.toString();
  }

  /** Copies a message's counter bytes (the wire's first 8) into the AD scratch: ad = h || counter. */
  private setAdCounter(wire: Uint8Array): void {
    const at = this.ad.length - COUNTER_BYTES;
    for (let i = 0; i < COUNTER_BYTES; i++) this.ad[at + i] = wire[i]!;
  }

  private checkOpen(): void {
    if (this.status === 'closed') throw new ChannelError('CHANNEL_CLOSED', 'channel is closed');
  }

  private countRejection(e: unknown): void {
    if (e instanceof DecodeError) this.stats.rejectedMalformed++;
    else if (e instanceof CryptoError) this.stats.rejectedAuth++;
    else if (e instanceof ChannelError) {
      if (e.code === 'CHANNEL_REPLAY') this.stats.rejectedReplay++;
      else if (e.code === 'CHANNEL_TOO_OLD') this.stats.rejectedTooOld++;
      else if (e.code === 'CHANNEL_TOO_FAR') this.stats.rejectedTooFar++;
    }
  }
}

/** ENCRYPT of buffer[offset, offset + length) written back in place, its tag after it: the
 *  cipher's own in-place path when it has one, else encrypt() and one copy. */
function sealInPlace(cipher: CipherFunctions, k: Uint8Array, n: number, ad: Uint8Array, buffer: Uint8Array, offset: number, length: number): void {
  if (cipher.encryptInPlace !== undefined) cipher.encryptInPlace(k, n, ad, buffer, offset, length);
  else buffer.set(cipher.encrypt(k, n, ad, buffer.subarray(offset, offset + length)), offset);
}

function checkTime(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new ConfigError('CONFIG_INVALID', `${name} must be a finite time in ms`);
}
