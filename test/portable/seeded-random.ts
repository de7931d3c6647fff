/**
 * A deterministic RandomSource for tests and meter measurements (same seed, same bytes, same
 * XS meter count): SHA-256 in counter mode over a seed. Never for production keys.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { RandomSource } from '../../protocol/crypto/provider.ts';

export function seededRandom(seed: number): RandomSource {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = new Uint8Array(8);
      new DataView(block.buffer).setUint32(0, seed >>> 0);
      new DataView(block.buffer).setUint32(4, counter++);
      out.set(sha256(block).subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}
