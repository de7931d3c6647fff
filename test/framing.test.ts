/**
 * Link framing codecs on Node: the portable suite, then fast-check properties and the shared
 * decoder harness (fuzz, every split, every truncation, every corruption) for each decoder.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { concatBytes, equalBytes } from '../protocol/bytes.ts';
import { DecodeError } from '../protocol/errors.ts';
import { BleReassembler, fragment, MIN_FRAGMENT_SIZE, ATT_MAX_VALUE } from '../protocol/framing/ble-fragment.ts';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from '../protocol/framing/cobs.ts';
import { crc16 } from '../protocol/framing/crc.ts';
import { decodeFrame, encodeFrame, LengthPrefixDecoder } from '../protocol/framing/length-prefix.ts';
import { MAX_LINK_MESSAGE } from '../protocol/framing/limits.ts';
import { decodeUartFrame, encodeUartFrame, UartFrameDecoder } from '../protocol/framing/uart-frame.ts';
import { MAX_ENCODED_MESSAGE } from '../protocol/routing/codec.ts';
import { registerSuite } from './portable/mocha.ts';
import { framingSuite } from './portable/framing.suite.ts';
import { checkEveryCorruption, checkEverySplit, checkEveryTruncation, FUZZ_RUNS, fuzzDecoder } from './support/decoder-harness.ts';

registerSuite(framingSuite());

const PROPERTY_RUNS = Math.min(FUZZ_RUNS, 1000);
const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 });
/** Cut points for a stream: chunk lengths that the stream is fed in. */
const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 });

function chunked(stream: Uint8Array, lengths: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of lengths) {
    if (at >= stream.length) break;
    out.push(stream.subarray(at, at + n));
    at += n;
  }
  out.push(stream.subarray(at));
  return out;
}

const sameFrames = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((f, i) => equalBytes(f, b[i]!));

/** A decoder that must never throw: any exception becomes an untyped error the harness rejects. */
function neverThrows<T>(decode: (b: Uint8Array) => T): (b: Uint8Array) => T {
  return (b) => {
    try {
      return decode(b);
    } catch (e) {
      throw new Error(`threw on wire input: ${String(e)}`);
    }
  };
}

/** Fuzzing must stay fast enough for 100k runs per decoder in CI. */
function timedFuzz(decode: (b: Uint8Array) => unknown, samples: Uint8Array[]): void {
  const started = Date.now();
  fuzzDecoder(decode, samples);
  const ms = Date.now() - started;
  assert.ok(ms < (30_000 * FUZZ_RUNS) / 100_000 + 5000, `fuzzing took ${ms} ms`);
}

describe('link limits', () => {
  it('every link carries the largest routed message', () => {
    assert.ok(MAX_LINK_MESSAGE >= MAX_ENCODED_MESSAGE, `${MAX_LINK_MESSAGE} < ${MAX_ENCODED_MESSAGE}`);
  });
});

describe('CRC-16 and COBS properties', () => {
  /** Bit at a time, straight from the definition, to check the nibble table against. */
  function crc16Reference(bytes: Uint8Array): number {
    let crc = 0xffff;
    for (const b of bytes) {
      crc ^= b << 8;
      for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  }

  it('the nibble-table CRC equals the bitwise definition', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => crc16(b) === crc16Reference(b)), { numRuns: PROPERTY_RUNS });
  });

  it('COBS round-trips, has no zeros, stays within the worst case', () => {
    const zeroRich = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), { maxLength: 800 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 800 }), zeroRich), (data) => {
        const e = cobsEncode(data);
        return !e.includes(0) && e.length <= cobsMaxEncodedLength(data.length) && equalBytes(cobsDecode(e), data);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('COBS: every single-byte corruption fails typed or decodes (no crash); prefixes may be valid COBS, so truncation is the delimiter\'s job (UART tests)', () => {
    for (const data of [Uint8Array.of(1, 0, 2, 0, 0, 3), new Uint8Array(300).fill(5)]) checkEveryCorruption(cobsDecode, cobsEncode(data));
  });

  it(`every input COBS accepts is the one canonical encoding of what it decodes to; typed errors otherwise (${FUZZ_RUNS} runs)`, () => {
    const canonical = (b: Uint8Array) => {
      const d = cobsDecode(b);
      assert.ok(equalBytes(cobsEncode(d), b), 'a second encoding was accepted');
      return d;
    };
    timedFuzz(canonical, [cobsEncode(Uint8Array.of(1, 0, 2)), cobsEncode(new Uint8Array(254).fill(1)), cobsEncode(new Uint8Array(300))]);
  });
});

describe('TCP length-prefix framing', () => {
  const feed = (chunks: Uint8Array[]) => {
    const d = new LengthPrefixDecoder();
    return chunks.flatMap((c) => d.push(c));
  };
  const decodeOne = (b: Uint8Array) => decodeFrame(b);
  const stream = concatBytes(...[Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(200).fill(7), Uint8Array.of(9)].map((p) => encodeFrame(p)));

  it('any payloads in any chunking round-trip', () => {
    fc.assert(
      fc.property(payloads, cuts, (ps, lengths) => {
        const s = concatBytes(...ps.map((p) => encodeFrame(p)));
        return sameFrames(feed(chunked(s, lengths)), ps);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('a stream split at every byte boundary yields the same frames', () => {
    checkEverySplit(feed, stream, sameFrames);
  });

  it('the one-frame decoder agrees with the stream decoder on every frame', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (p) => equalBytes(decodeFrame(encodeFrame(p)), p)), { numRuns: PROPERTY_RUNS });
  });

  it('a corrupted payload byte changes that frame only; a corrupted length stops the stream typed', () => {
    const ends: number[] = [];
    let at = 0;
    for (const n of [3, 0, 200, 1]) ends.push((at += 4 + n));
    const whole = feed([stream]);
    for (let i = 0; i < stream.length; i++) {
      const copy = stream.slice();
      copy[i] = copy[i]! ^ 0xff;
      const hit = ends.findIndex((end) => i < end);
      const headerByte = i - (hit === 0 ? 0 : ends[hit - 1]!) < 4;
      if (headerByte) {
        // No resync on TCP: either FRAME_OVERSIZE, or the frames before the hit arrive intact.
        try {
          const got = feed([copy]);
          for (let k = 0; k < hit; k++) assert.ok(equalBytes(got[k]!, whole[k]!), `frame ${k} before corruption at ${i}`);
        } catch (e) {
          assert.equal((e as { code?: string }).code, 'FRAME_OVERSIZE');
        }
      } else {
        const got = feed([copy]);
        assert.equal(got.length, whole.length);
        got.forEach((f, k) => assert.equal(equalBytes(f, whole[k]!), k !== hit, `frame ${k}, corruption at ${i}`));
      }
    }
  });

  it('every truncation is refused; header corruptions are refused, payload ones change only that frame', () => {
    const one = encodeFrame(Uint8Array.of(5, 6, 7, 8));
    checkEveryTruncation(decodeOne, one);
    assert.equal(checkEveryCorruption(decodeOne, one), 4, 'only the 4 payload bytes are accepted (TCP checks the rest)');
  });

  it(`one-frame decoder: random and mutated input fails only typed (${FUZZ_RUNS} runs)`, () => {
    timedFuzz((b) => decodeFrame(b, 1024), [stream.subarray(0, 7), encodeFrame(new Uint8Array(40))]);
  });

  it(`random and mutated streams fail only typed, and nothing beyond the limit is returned (${FUZZ_RUNS} runs)`, () => {
    let d = new LengthPrefixDecoder({ maxFrameSize: 1024 });
    const decode = (b: Uint8Array) => {
      try {
        for (const f of d.push(b)) assert.ok(f.length <= 1024);
      } catch (e) {
        d = new LengthPrefixDecoder({ maxFrameSize: 1024 }); // a failed stream is closed
        throw e;
      }
    };
    timedFuzz(decode, [stream, encodeFrame(new Uint8Array(40))]);
  });
});

describe('UART COBS+CRC framing', () => {
  const sample = [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(200), Uint8Array.of(0, 0xff, 0)];
  const stream = concatBytes(...sample.map(encodeUartFrame));
  const feed = (chunks: Uint8Array[]) => {
    const d = new UartFrameDecoder();
    return chunks.flatMap((c) => d.push(c));
  };

  it('any payloads in any chunking, with garbage between frames, arrive in order', () => {
    const garbage = fc.uint8Array({ maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), garbage), { maxLength: 8 }), cuts, (items, lengths) => {
        const s = concatBytes(...items.flatMap(([p, g]) => [g, encodeUartFrame(p)]));
        const got = feed(chunked(s, lengths));
        // Every frame arrives, in order. Garbage passes the CRC with odds 2^-16: allow extras.
        let j = 0;
        for (const f of got) if (j < items.length && equalBytes(f, items[j]![0])) j++;
        return j === items.length && got.length - items.length <= items.length;
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('a stream split at every byte boundary yields the same frames', () => {
    checkEverySplit(feed, stream, sameFrames);
  });

  it('one frame: every truncation and every single-byte corruption is refused', () => {
    for (const p of sample) {
      const frame = encodeUartFrame(p);
      checkEveryTruncation((b) => decodeUartFrame(b), frame);
      assert.equal(checkEveryCorruption((b) => decodeUartFrame(b), frame), 0);
    }
  });

  it(`one-frame decoder: random and mutated input fails only typed (${FUZZ_RUNS} runs)`, () => {
    timedFuzz((b) => decodeUartFrame(b, 512), sample.map(encodeUartFrame));
  });

  it(`stream decoder: random and mutated input never throws, counts what it drops (${FUZZ_RUNS} runs)`, () => {
    const d = new UartFrameDecoder({ maxPayload: 256 });
    timedFuzz(neverThrows((b) => d.push(b)), [stream]);
    const c = d.counters;
    assert.ok(c.badCrc + c.malformed + c.oversize > 0, 'garbage was counted');
  });
});

describe('BLE fragmentation', () => {
  it('any message at any fragment size round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: MIN_FRAGMENT_SIZE, max: ATT_MAX_VALUE }), (m, size) => {
        const r = new BleReassembler();
        const pieces = fragment(m, size);
        const got = pieces.map((p) => r.push(p));
        return pieces.every((p) => p.length <= size) && got.slice(0, -1).every((g) => g === undefined) && equalBytes(got[got.length - 1]!, m);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('a message is never delivered without all its fragments (every truncation refused)', () => {
    const pieces = fragment(new Uint8Array(100).fill(3), 20);
    for (let n = 0; n < pieces.length; n++) {
      const r = new BleReassembler();
      assert.ok(pieces.slice(0, n).every((p) => r.push(p) === undefined), `delivered after ${n} fragments`);
    }
  });

  it('a one-fragment message: every truncation refused; header corruptions refused, data ones delivered (BLE checks its own packets)', () => {
    const decodeOne = (b: Uint8Array) => {
      const m = new BleReassembler().push(b);
      if (m === undefined) throw new DecodeError('DECODE_BAD_VALUE', 'no message');
      return m;
    };
    const [only] = fragment(Uint8Array.of(1, 2, 3, 4, 5), 20);
    checkEveryTruncation(decodeOne, only!);
    assert.equal(checkEveryCorruption(decodeOne, only!), 5);
  });

  it(`random and mutated fragments never throw and never deliver past the limit (${FUZZ_RUNS} runs)`, () => {
    const r = new BleReassembler({ maxMessageSize: 600 });
    const decode = neverThrows((b: Uint8Array) => {
      const m = r.push(b);
      assert.ok(m === undefined || m.length <= 600);
      return m;
    });
    timedFuzz(decode, [...fragment(new Uint8Array(100).fill(1), 30), ...fragment(Uint8Array.of(5), 20)]);
  });
});
