/**
 * Shared adversarial checks for every decoder (frames, routes, messages, payloads, identities).
 * A decoder may return a value or throw a BurrowError; anything else (TypeError, RangeError,
 * a hang) is a bug. `FUZZ_RUNS` sets the random-input count (CI uses 100,000 per decoder).
 */
import fc from 'fast-check';
import { BurrowError } from '../../protocol/errors.ts';

export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 2000);

/** Calls decode and reports whether it succeeded; rethrows anything that is not a BurrowError. */
export function decodeOrTypedError(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): boolean {
  try {
    decode(bytes);
    return true;
  } catch (e) {
    if (e instanceof BurrowError) return false;
    throw new Error(`decoder threw an untyped error for input of ${bytes.length} bytes: ${String(e)}`);
  }
}

/** Random byte strings (and mutations of valid samples): only typed errors. */
export function fuzzDecoder(
  decode: (b: Uint8Array) => unknown,
  validSamples: Uint8Array[],
  options: { maxLength?: number; runs?: number } = {},
): void {
  const maxLength = options.maxLength ?? 600;
  const runs = options.runs ?? FUZZ_RUNS;
  const random = fc.uint8Array({ maxLength });
  const mutated = validSamples.length === 0 ? random : fc.oneof(
    random,
    fc.tuple(fc.constantFrom(...validSamples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
      .map(([sample, edits]) => {
        const copy = sample.slice();
        for (const [pos, value] of edits) if (copy.length > 0) copy[pos % copy.length] = value;
        return copy;
      }),
  );
  fc.assert(fc.property(mutated, (bytes) => { decodeOrTypedError(decode, bytes); }), { numRuns: runs });
}

/** Every strict prefix of a valid encoding must be refused with a typed error. */
export function checkEveryTruncation(decode: (b: Uint8Array) => unknown, valid: Uint8Array): void {
  for (let n = 0; n < valid.length; n++) {
    if (decodeOrTypedError(decode, valid.subarray(0, n))) {
      throw new Error(`decoder accepted a truncation to ${n} of ${valid.length} bytes`);
    }
  }
}

/** Every single-byte corruption (each bit pattern flip 0xff) decodes or fails typed. */
export function checkEveryCorruption(decode: (b: Uint8Array) => unknown, valid: Uint8Array): number {
  let accepted = 0;
  for (let i = 0; i < valid.length; i++) {
    const copy = valid.slice();
    copy[i] = copy[i]! ^ 0xff;
    if (decodeOrTypedError(decode, copy)) accepted++;
  }
  return accepted;
}

/**
 * For stream decoders: feeding `stream` in two pieces split at every byte boundary must yield
 * the same frames as feeding it whole.
 */
export function checkEverySplit<T>(
  feedAll: (chunks: Uint8Array[]) => T[],
  stream: Uint8Array,
  same: (a: T[], b: T[]) => boolean,
): void {
  const whole = feedAll([stream]);
  for (let i = 0; i <= stream.length; i++) {
    const split = feedAll([stream.subarray(0, i), stream.subarray(i)]);
    if (!same(whole, split)) throw new Error(`split at byte ${i} changed the decoded frames`);
  }
}

/** The stable code of the BurrowError `fn` throws, or undefined when it returns; anything
 *  untyped fails the test. */
export function errorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BurrowError)) throw new Error(`untyped error: ${String(e)}`);
    return e.code;
  }
  return undefined;
}
