/**
 * Sliding replay window over message counters, after the idea of RFC 6479: a ring of 32-bit
 * blocks behind the highest counter accepted, one bit per counter. Any order inside the window
 * is accepted once; duplicates and counters older than the window are refused.
 *
 * Design: a ring of blocks rather than one shifted bitmap. Sliding forward clears whole blocks
 * (at most the ring's length, however far the jump) instead of shifting every bit, so a jump
 * costs O(width / 32) once and an in-order message O(1). `check` and `accept` are separate so
 * the caller can check before decrypting and record only after the AEAD verified: a forged
 * message never moves the window.
 */
import { ChannelError, ConfigError } from '../errors.ts';

// Our limits.
/** Bits per ring block: the widest integer XS and JS shift natively. */
const BLOCK_BITS = 32;

export class ReplayWindow {
  /** Counters accepted: those above `highest - width`. */
  readonly width: number;
  private top = -1;
  /** Block b of the ring holds counters [32 * i, 32 * i + 32) for every i = b mod length. */
  private readonly blocks: Uint32Array;

  constructor(width: number) {
    if (!Number.isInteger(width) || width < BLOCK_BITS || width % BLOCK_BITS !== 0) {
      throw new ConfigError('CONFIG_INVALID', `replay window width must be a positive multiple of ${BLOCK_BITS}`);
    }
    this.width = width;
    // One spare block: a window not aligned to a block boundary touches width/32 + 1 blocks,
    // and the block being refilled at the top must not be one the bottom still reads.
    this.blocks = new Uint32Array(width / BLOCK_BITS + 1);
  }

  /** Highest counter accepted so far, -1 before the first. */
  get highest(): number {
    return this.top;
  }

  /** Oldest counter the window still accepts. */
  get lowest(): number {
    return Math.max(0, this.top - this.width + 1);
  }

  /** Throws CHANNEL_TOO_OLD or CHANNEL_REPLAY; records nothing. */
  check(counter: number): void {
    if (counter > this.top) return;
    if (this.top - counter >= this.width) throw new ChannelError('CHANNEL_TOO_OLD', 'message is older than the replay window');
    if ((this.blocks[this.blockOf(counter)]! >>> (counter % BLOCK_BITS)) & 1) {
      throw new ChannelError('CHANNEL_REPLAY', 'message was already received');
    }
  }

  /** Records a counter that passed `check` and authenticated. */
  accept(counter: number): void {
    if (counter > this.top) {
      const from = Math.floor(this.top / BLOCK_BITS) + 1;
      const to = Math.floor(counter / BLOCK_BITS);
      // Blocks entering the window hold bits of counters a ring-length older: clear them.
      const last = Math.min(to, from + this.blocks.length - 1);
      for (let b = from; b <= last; b++) this.blocks[b % this.blocks.length] = 0;
      this.top = counter;
    }
    const b = this.blockOf(counter);
    this.blocks[b] = this.blocks[b]! | (1 << (counter % BLOCK_BITS));
  }

  private blockOf(counter: number): number {
    return Math.floor(counter / BLOCK_BITS) % this.blocks.length;
  }
}
