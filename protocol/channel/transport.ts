/**
 * The channel's transport phase: what flows after the XX handshake.
 *
 *   wire  = n (8 bytes, big-endian) || AEAD(k_epoch(n), n, ad = h, type (1 byte) || body)
 *
 * The counter travels in clear because messages cross several hops and arrive reordered: a
 * receiver with Noise's implicit counter would desynchronise at the first loss. `h` (the
 * handshake hash) as associated data binds every message to this one channel.
 *
 * Rekey (Noise §11.3) runs on a schedule both ends derive from the counter alone: the key of
 * epoch e = floor(n / REKEY_INTERVAL) is REKEY applied e times to the split() key. Lost
 * messages never desynchronise the ends (Ockam's ±32 window stalls after 32 losses); a receiver
 * walks forward tentatively and commits only after the AEAD verifies, so a forged far-future
 * counter costs at most `maxEpochSkip` REKEYs and changes nothing. The previous epoch's key is
 * kept only while the replay window still reaches into that epoch, then dropped (forward
 * secrecy).
 */
import { ChannelError } from '../errors.ts';
import { MAX_MESSAGE_NONCE } from '../crypto/nonce.ts';
import type { CipherFunctions } from '../crypto/provider.ts';
import { REPLAY_WINDOW, ReplayWindow } from './replay-window.ts';

// Wire constants.
export const NONCE_BYTES = 8;
export const TAG_BYTES = 16;
/** Bytes a channel message adds to its body: counter, AEAD tag, type byte. */
export const CHANNEL_OVERHEAD = NONCE_BYTES + TAG_BYTES + 1;

/** Message types inside the encryption. 0x02-0x0f are reserved for channel control. */
export const MessageType = { PAYLOAD: 0x00, CLOSE: 0x01 } as const;
export type MessageType = number;

// Our limits.
/** Messages per key epoch: 2^16 bounds what one leaked key exposes, while a REKEY (one
 *  ChaCha20 block) every 65,536 messages costs nothing measurable, even on an ESP32. */
export const REKEY_INTERVAL = 65536;
/** Epochs one received message may jump: 4,096 epochs are 2^28 consecutive lost messages,
 *  far beyond what a channel survives before its idle timeout, and bound a forged far-future
 *  counter to 4,096 REKEYs of work. A device may pass a smaller bound. */
export const DEFAULT_MAX_EPOCH_SKIP = 4096;
/** Largest body: a channel message must fit one routed message (protocol/routing limits). */
export const MAX_CHANNEL_BODY = 4000;

export interface ChannelKeys {
  readonly cipher: CipherFunctions;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** The handshake hash h. */
  readonly binding: Uint8Array;
  readonly maxEpochSkip?: number;
}

export interface ReceivedMessage {
  readonly type: MessageType;
  readonly body: Uint8Array;
  readonly nonce: number;
}

export interface ChannelCounters {
  sent: number;
  received: number;
  rejectedReplay: number;
  rejectedTooOld: number;
  rejectedAuth: number;
}

const epochOf = (n: number) => Math.floor(n / REKEY_INTERVAL);

export class ChannelTransport {
  state: 'open' | 'closed' = 'open';
  readonly counters: ChannelCounters = { sent: 0, received: 0, rejectedReplay: 0, rejectedTooOld: 0, rejectedAuth: 0 };
  private readonly cipher: CipherFunctions;
  private readonly binding: Uint8Array;
  private readonly maxEpochSkip: number;
  private readonly window = new ReplayWindow();
  private sendNonce = 0;
  private sendEpoch = 0;
  private receiveEpoch = 0;
  declare private sendKey: Uint8Array;
  declare private receiveKey: Uint8Array;
  declare private previousReceiveKey: Uint8Array | undefined;

  constructor(keys: ChannelKeys) {
    this.cipher = keys.cipher;
    this.binding = keys.binding;
    this.maxEpochSkip = keys.maxEpochSkip ?? DEFAULT_MAX_EPOCH_SKIP;
    // Keys are not enumerable: a logged channel never shows them.
    for (const [name, value] of [['sendKey', keys.sendKey], ['receiveKey', keys.receiveKey], ['previousReceiveKey', undefined]] as const) {
      Object.defineProperty(this, name, { value, writable: true, enumerable: false });
    }
  }

  /** The next counter this side will send (also: how many it has sent). */
  get nextNonce(): number {
    return this.sendNonce;
  }

  encrypt(type: MessageType, body: Uint8Array): Uint8Array {
    if (this.state === 'closed') throw new ChannelError('CHANNEL_CLOSED', 'channel is closed');
    if (body.length > MAX_CHANNEL_BODY) throw new ChannelError('CHANNEL_OVERSIZE', `body of ${body.length} bytes exceeds ${MAX_CHANNEL_BODY}`);
    const n = this.sendNonce;
    if (n >= MAX_MESSAGE_NONCE) throw new ChannelError('CHANNEL_CLOSED', 'nonce exhausted: the channel must be re-established');
    const epoch = epochOf(n);
    while (this.sendEpoch < epoch) {
      this.sendKey = this.cipher.rekey(this.sendKey); // Noise §11.3 Rekey()
      this.sendEpoch++;
    }
    const plaintext = new Uint8Array(1 + body.length);
    plaintext[0] = type;
    plaintext.set(body, 1);
    const sealed = this.cipher.encrypt(this.sendKey, n, this.binding, plaintext);
    const wire = new Uint8Array(NONCE_BYTES + sealed.length);
    writeCounter(wire, n);
    wire.set(sealed, NONCE_BYTES);
    this.sendNonce = n + 1;
    this.counters.sent++;
    if (type === MessageType.CLOSE) this.state = 'closed';
    return wire;
  }

  /** Authenticates and opens one message; on any failure nothing changes. */
  decrypt(wire: Uint8Array): ReceivedMessage {
    if (this.state === 'closed') throw new ChannelError('CHANNEL_CLOSED', 'channel is closed');
    if (wire.length < CHANNEL_OVERHEAD) throw new ChannelError('CHANNEL_MALFORMED', 'channel message shorter than its overhead');
    if (wire.length > CHANNEL_OVERHEAD + MAX_CHANNEL_BODY) throw new ChannelError('CHANNEL_OVERSIZE', 'channel message too large');
    const n = readCounter(wire);
    try {
      this.window.check(n);
    } catch (e) {
      if ((e as ChannelError).code === 'CHANNEL_REPLAY') this.counters.rejectedReplay++;
      else this.counters.rejectedTooOld++;
      throw e;
    }
    const epoch = epochOf(n);
    const key = this.keyForEpoch(epoch);
    let plaintext: Uint8Array;
    try {
      plaintext = this.cipher.decrypt(key.key, n, this.binding, wire.subarray(NONCE_BYTES));
    } catch (e) {
      this.counters.rejectedAuth++;
      throw e;
    }
    if (plaintext.length === 0) {
      this.counters.rejectedAuth++;
      throw new ChannelError('CHANNEL_MALFORMED', 'channel message has no type byte');
    }
    // Authenticated: commit the epoch walk and the window.
    if (epoch > this.receiveEpoch) {
      this.previousReceiveKey = key.previous;
      this.receiveKey = key.key;
      this.receiveEpoch = epoch;
    }
    this.window.accept(n);
    if (this.previousReceiveKey !== undefined && this.window.highest - REPLAY_WINDOW >= this.receiveEpoch * REKEY_INTERVAL) {
      this.previousReceiveKey = undefined; // the window no longer reaches the previous epoch
    }
    this.counters.received++;
    const type = plaintext[0]!;
    if (type === MessageType.CLOSE) this.state = 'closed';
    return { type, body: plaintext.subarray(1), nonce: n };
  }

  /** The key for an epoch, derived forward without committing; `previous` is epoch - 1's. */
  private keyForEpoch(epoch: number): { key: Uint8Array; previous: Uint8Array | undefined } {
    if (epoch === this.receiveEpoch) return { key: this.receiveKey, previous: this.previousReceiveKey };
    if (epoch === this.receiveEpoch - 1 && this.previousReceiveKey !== undefined) {
      return { key: this.previousReceiveKey, previous: undefined };
    }
    if (epoch < this.receiveEpoch) {
      this.counters.rejectedTooOld++;
      throw new ChannelError('CHANNEL_TOO_OLD', 'message belongs to a discarded key epoch');
    }
    if (epoch - this.receiveEpoch > this.maxEpochSkip) {
      this.counters.rejectedTooOld++;
      throw new ChannelError('CHANNEL_TOO_OLD', 'message counter jumps too far ahead');
    }
    let previous = this.receiveKey;
    let key = this.cipher.rekey(previous);
    for (let e = this.receiveEpoch + 1; e < epoch; e++) {
      previous = key;
      key = this.cipher.rekey(key);
    }
    return { key, previous };
  }
}

function writeCounter(out: Uint8Array, n: number): void {
  const view = new DataView(out.buffer, out.byteOffset, NONCE_BYTES);
  view.setUint32(0, Math.floor(n / 0x100000000));
  view.setUint32(4, n % 0x100000000);
}

/** Counters above 2^53 - 1 are never sent by Burrow; such a message is refused as too old. */
function readCounter(wire: Uint8Array): number {
  const view = new DataView(wire.buffer, wire.byteOffset, NONCE_BYTES);
  const hi = view.getUint32(0);
  if (hi > 0x1fffff) throw new ChannelError('CHANNEL_TOO_OLD', 'message counter out of range');
  return hi * 0x100000000 + view.getUint32(4);
}
