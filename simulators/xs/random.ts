/**
 * RandomSources for code running in XS, which has no crypto.getRandomValues.
 *
 * - hostRandom: real randomness, fetched from the host's CSPRNG through a synchronous host call
 *   (what a simulated device uses, standing in for the ESP32's hardware RNG).
 * - seededRandom: a reproducible stream, so an XS run's meter count is the same every time.
 *   xoshiro128** over 32-bit integers rather than a hash in counter mode: it costs a few meter
 *   units per byte and allocates nothing, so measurements count the protocol, not the RNG.
 *   Predictable by design: never for real keys.
 *
 * Both are pure (no Node imports), so the seeded one also runs on Node to mirror an XS run.
 */
import { ConfigError } from '../../protocol/errors.ts';
import type { RandomSource } from '../../protocol/crypto/provider.ts';
import { callHost, HOST_SERVICE, HostCallError } from './host-call.ts';

// Our limits.
/**
 * Largest single request to the host: bounds the host's allocation per call and the reply
 * netstring. Keys and nonces need 32 bytes; longer requests are split into several calls.
 */
export const MAX_RANDOM_REQUEST = 4096;

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0) throw new ConfigError('CONFIG_INVALID', 'random length must be a non-negative integer');
}

/** Random bytes from the host's CSPRNG (service HOST_SERVICE.random). */
export function hostRandom(): RandomSource {
  return (length) => {
    checkLength(length);
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += MAX_RANDOM_REQUEST) {
      const n = Math.min(MAX_RANDOM_REQUEST, length - offset);
      const bytes = callHost(HOST_SERVICE.random, Uint8Array.of(n >> 8, n & 0xff));
      if (bytes.length !== n) throw new HostCallError('XS_HOST_CALL_FAILED', `host sent ${bytes.length} random bytes, ${n} asked`);
      out.set(bytes, offset);
    }
    return out;
  };
}

/** SplitMix32-style mixing: spreads a small seed over xoshiro's 128-bit state. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A deterministic stream (xoshiro128**); the same seed gives the same bytes on XS and Node. */
export function seededRandom(seed: number): RandomSource {
  let s0 = mix(seed + 0x9e3779b9);
  let s1 = mix(seed + 0x3c6ef372);
  let s2 = mix(seed + 0xdaa66d2b);
  let s3 = mix(seed + 0x78dde6e4);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is xoshiro's fixed point
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  return (length) => {
    checkLength(length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      let word = next();
      for (let j = i; j < Math.min(i + 4, length); j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
