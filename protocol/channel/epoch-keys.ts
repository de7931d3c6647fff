/**
 * The rekey schedule, derived from the counter alone: epoch(n) = floor(n / REKEY_INTERVAL),
 * and the key of epoch e is REKEY (Noise §4.2, §11.3) applied e times to the split() key.
 * Both ends compute it from the counter in the message, so no rekey message exists to be lost
 * and no number of lost messages can desynchronise them (within the receiver's skip bound).
 *
 * Design: a one-way chain rather than keys derived independently per epoch (say HKDF(k, e)).
 * With the chain, once a key is dropped nobody holding a later key can go back: that is the
 * forward secrecy the schedule exists for. The price is that reaching epoch e costs e - current
 * REKEYs, which is why the receiver bounds how far one message may move it.
 *
 * Keys are copied in, zeroed when left behind, and stored as non-enumerable properties so
 * neither JSON nor Node's inspect shows them (no `#private`: Moddable issue #1138).
 */
import { ChannelError, ConfigError } from '../errors.ts';
import type { CipherFunctions } from '../crypto/provider.ts';
import { REKEY_INTERVAL } from './constants.ts';

export function epochOf(counter: number): number {
  return Math.floor(counter / REKEY_INTERVAL);
}

/** Stores a key where enumeration, JSON and inspect do not look. */
function hide(target: object, name: string, value: Uint8Array | undefined): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: false, configurable: false });
}

/** The sending direction: one current key, advanced as the counter crosses epochs. */
export class SendKeys {
  private readonly cipher: CipherFunctions;
  private epoch = 0;
  declare private key: Uint8Array;

  constructor(cipher: CipherFunctions, splitKey: Uint8Array) {
    this.cipher = cipher;
    hide(this, 'key', splitKey.slice());
  }

  /** The key of `epoch` (never behind the current one), zeroing every key passed on the way. */
  keyFor(epoch: number): Uint8Array {
    while (this.epoch < epoch) {
      const next = this.cipher.rekey(this.key); // Noise §11.3: k = REKEY(k)
      this.key.fill(0);
      this.key = next;
      this.epoch++;
    }
    return this.key;
  }

  erase(): void {
    this.key.fill(0);
  }
}

/**
 * The receiving direction: the current epoch's key, the previous epoch's while the replay
 * window still reaches into it, and a cache of future keys derived so far. Lookups never make
 * a key current; `commit` happens only after a message under the found key authenticated.
 *
 * Why cache future keys: without it every forged far-future counter costs maxEpochSkip REKEYs
 * (a 54x amplification of a plain forgery on XS at 64 epochs). With it each future key is
 * derived once in the channel's life, so forgeries cost at most maxEpochSkip REKEYs in all,
 * plus one per genuine epoch advance. The cache changes no behaviour (its keys are a pure
 * function of the current one) and no secrecy (whoever holds the current key can derive them).
 * It holds at most maxEpochSkip keys: 2 KB at the default.
 */
export class ReceiveKeys {
  private readonly cipher: CipherFunctions;
  private readonly maxEpochSkip: number;
  private epoch = 0;
  declare private current: Uint8Array;
  declare private previous: Uint8Array | undefined;
  /** ahead[i] is the key of epoch + 1 + i. */
  declare private ahead: Uint8Array[];

  constructor(cipher: CipherFunctions, splitKey: Uint8Array, maxEpochSkip: number) {
    if (!Number.isInteger(maxEpochSkip) || maxEpochSkip < 1) {
      throw new ConfigError('CONFIG_INVALID', 'maxEpochSkip must be a positive integer');
    }
    this.cipher = cipher;
    this.maxEpochSkip = maxEpochSkip;
    hide(this, 'current', splitKey.slice());
    hide(this, 'previous', undefined);
    Object.defineProperty(this, 'ahead', { value: [], writable: true, enumerable: false });
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  /** Epochs whose keys are held, newest first: [e] or [e, e - 1] (the cache not included). */
  get heldEpochs(): number[] {
    return this.previous === undefined ? [this.epoch] : [this.epoch, this.epoch - 1];
  }

  /** The key for `epoch`; throws CHANNEL_TOO_OLD or CHANNEL_TOO_FAR. */
  lookup(epoch: number): Uint8Array {
    const d = epoch - this.epoch;
    if (d === 0) return this.current;
    if (d === -1 && this.previous !== undefined) return this.previous;
    if (d < 0) throw new ChannelError('CHANNEL_TOO_OLD', 'message belongs to a discarded key epoch');
    if (d > this.maxEpochSkip) throw new ChannelError('CHANNEL_TOO_FAR', 'message counter jumps too many key epochs ahead');
    while (this.ahead.length < d) {
      const last = this.ahead[this.ahead.length - 1] ?? this.current;
      this.ahead.push(this.cipher.rekey(last)); // Noise §11.3: k = REKEY(k), once per epoch
    }
    return this.ahead[d - 1]!;
  }

  /** Makes a looked-up later epoch current and zeroes every key it leaves behind. */
  commit(epoch: number): void {
    const d = epoch - this.epoch;
    if (d <= 0) return;
    const passed = this.ahead.splice(0, d); // epochs this.epoch + 1 .. epoch
    this.previous?.fill(0);
    if (d === 1) {
      this.previous = this.current;
    } else {
      this.current.fill(0);
      for (let i = 0; i < d - 2; i++) passed[i]!.fill(0);
      this.previous = passed[d - 2];
    }
    this.current = passed[d - 1]!;
    this.epoch = epoch;
  }

  /** Forgets the previous epoch's key once no acceptable counter can need it. */
  dropPrevious(): void {
    this.previous?.fill(0);
    this.previous = undefined;
  }

  erase(): void {
    this.dropPrevious();
    this.current.fill(0);
    for (const k of this.ahead) k.fill(0);
    this.ahead = [];
  }
}
