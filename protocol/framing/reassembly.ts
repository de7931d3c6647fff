/**
 * A bounded reassembly buffer for links that split a message into fragments (UART link, BLE).
 *
 * Design: the first fragment declares the total length and the buffer is allocated once, at
 * exactly that size (after the caller checked it against its limit), rather than grown as
 * fragments arrive: no copying on growth, no fragment can push the buffer past what was
 * declared, and completeness is "filled === total", not a guess from a flag alone.
 */

export class Reassembly {
  private buffer: Uint8Array | undefined = undefined;
  private filled = 0;

  /** True while a message is partly received. */
  get active(): boolean {
    return this.buffer !== undefined;
  }

  /** Starts a message of `total` bytes; the caller has bounded `total`. Drops any partial. */
  start(total: number): void {
    this.buffer = new Uint8Array(total);
    this.filled = 0;
  }

  /** Appends a piece; false (and nothing copied) when it would overrun the declared total. */
  append(piece: Uint8Array): boolean {
    const buffer = this.buffer;
    if (buffer === undefined || piece.length > buffer.length - this.filled) return false;
    buffer.set(piece, this.filled);
    this.filled += piece.length;
    return true;
  }

  /** True when every declared byte has arrived. */
  get complete(): boolean {
    return this.buffer !== undefined && this.filled === this.buffer.length;
  }

  /** Hands over the complete message and empties the buffer (call only when complete). */
  take(): Uint8Array {
    const out = this.buffer ?? new Uint8Array(0);
    this.buffer = undefined;
    this.filled = 0;
    return out;
  }

  /** Drops a partial message; returns whether there was one. */
  abandon(): boolean {
    const had = this.buffer !== undefined;
    this.buffer = undefined;
    this.filled = 0;
    return had;
  }
}
