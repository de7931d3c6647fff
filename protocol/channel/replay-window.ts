/**
 * Sliding replay window over 64-bit message counters (the idea of RFC 6479 and wireguard-go's
 * replay.go): a ring of bit blocks behind the highest counter seen. Any order inside the window
 * is accepted once; duplicates and anything older than the window are refused. `check` never
 * changes state; `accept` is called only after the message authenticated, so a forgery cannot
 * move the window.
 */
import { ChannelError } from '../errors.ts';

// Our limits.
/** Messages may arrive this far behind the newest one: 2048 covers several hops reordering a
 *  burst of telemetry, and costs 256 bytes of bitmap on the device. */
export const REPLAY_WINDOW = 2048;
const BLOCK_BITS = 32;
/** One spare block so the window is always at least REPLAY_WINDOW wide after a slide. */
const BLOCKS = REPLAY_WINDOW / BLOCK_BITS + 1;

export class ReplayWindow {
  /** Highest counter accepted so far; -1 before the first. */
  private top = -1;
  private readonly bits = new Uint32Array(BLOCKS);

  get highest(): number {
    return this.top;
  }

  /** Throws CHANNEL_REPLAY or CHANNEL_TOO_OLD; does not record anything. */
  check(counter: number): void {
    if (counter > this.top) return;
    if (this.top - counter >= REPLAY_WINDOW) throw new ChannelError('CHANNEL_TOO_OLD', 'message is older than the replay window');
    const block = Math.floor(counter / BLOCK_BITS) % BLOCKS;
    if ((this.bits[block]! >>> (counter % BLOCK_BITS)) & 1) throw new ChannelError('CHANNEL_REPLAY', 'message was already received');
  }

  /** Records an authenticated counter (call check first). */
  accept(counter: number): void {
    if (counter > this.top) {
      const oldBlock = Math.floor(this.top / BLOCK_BITS);
      const newBlock = Math.floor(counter / BLOCK_BITS);
      // Clear the blocks the window slides over, at most the whole ring.
      const clear = Math.min(newBlock - oldBlock, BLOCKS);
      for (let i = 1; i <= clear; i++) this.bits[(oldBlock + i) % BLOCKS] = 0;
      this.top = counter;
    }
    const block = Math.floor(counter / BLOCK_BITS) % BLOCKS;
    this.bits[block] = this.bits[block]! | (1 << (counter % BLOCK_BITS));
  }
}
