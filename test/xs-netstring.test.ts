/** The netstring codec between host and xsnap-worker: a stream decoder under attack. */
import { strict as assert } from 'node:assert';
import { concatBytes, equalBytes, utf8Encode } from '../protocol/bytes.ts';
import { DecodeError } from '../protocol/errors.ts';
import { decodeNetstring, encodeNetstring, NetstringReader } from '../simulators/xs/netstring.ts';
import { checkEveryCorruption, checkEverySplit, checkEveryTruncation, fuzzDecoder, errorCodeOf } from './support/decoder-harness.ts';

const ns = (text: string): Uint8Array => utf8Encode(text);

const codeOf = errorCodeOf;

describe('netstrings (xsnap-worker framing)', () => {
  const samples = [encodeNetstring(ns('hello')), encodeNetstring(), encodeNetstring(ns('e'), new Uint8Array(300).fill(7))];

  it('encodes the length in ASCII, then ":", the body and ","', () => {
    assert.deepEqual(encodeNetstring(ns('e'), ns('1+1')), ns('4:e1+1,'));
    assert.deepEqual(encodeNetstring(), ns('0:,'));
  });

  it('decodes what it encodes, and the concatenation of several in order', () => {
    for (const s of samples) assert.ok(equalBytes(encodeNetstring(decodeNetstring(s)), s));
    const out = new NetstringReader().push(concatBytes(...samples));
    assert.deepEqual(out.map((b) => b.length), [5, 0, 301]);
  });

  it('refuses bad framing with typed codes', () => {
    assert.equal(codeOf(() => decodeNetstring(ns('5:hello;'))), 'DECODE_BAD_VALUE');
    assert.equal(codeOf(() => decodeNetstring(ns('05:hello,'))), 'DECODE_BAD_VALUE');
    assert.equal(codeOf(() => decodeNetstring(ns(':,'))), 'DECODE_BAD_VALUE');
    assert.equal(codeOf(() => decodeNetstring(ns('-1:,'))), 'DECODE_BAD_VALUE');
    assert.equal(codeOf(() => decodeNetstring(ns('5:hel'))), 'DECODE_TRUNCATED');
    assert.equal(codeOf(() => decodeNetstring(ns('0:,0:,'))), 'DECODE_TRAILING');
    assert.equal(codeOf(() => decodeNetstring(ns('0:,1'))), 'DECODE_TRAILING');
  });

  it('refuses a length over the limit before allocating it, even one digit at a time', () => {
    const reader = new NetstringReader(1000);
    assert.equal(codeOf(() => reader.push(ns('1001:'))), 'DECODE_OVERSIZE');
    assert.equal(codeOf(() => new NetstringReader().push(ns('99999999999999999999999'))), 'DECODE_OVERSIZE');
    assert.deepEqual(new NetstringReader(1000).push(ns('1000:')), []);
  });

  it('stays failed after a protocol error: the stream has no boundary left to trust', () => {
    const reader = new NetstringReader();
    assert.equal(codeOf(() => reader.push(ns('x'))), 'DECODE_BAD_VALUE');
    assert.equal(codeOf(() => reader.push(ns('0:,'))), 'DECODE_BAD_VALUE');
  });

  it('random and mutated input fails only with typed errors', () => {
    fuzzDecoder((b) => decodeNetstring(b, 4096), samples, { maxLength: 400 });
  });

  it('every truncation is refused', () => {
    for (const s of samples) checkEveryTruncation((b) => decodeNetstring(b), s);
  });

  it('every single-byte corruption fails typed; only body bytes can change without detection', () => {
    for (const s of samples) {
      const body = decodeNetstring(s).length;
      assert.equal(checkEveryCorruption((b) => decodeNetstring(b), s), body);
    }
  });

  it('a stream split at every byte yields the same messages', () => {
    const stream = concatBytes(...samples, encodeNetstring(ns('.{"compute":1}\u0001')));
    const feedAll = (chunks: Uint8Array[]): Uint8Array[] => {
      const reader = new NetstringReader();
      return chunks.flatMap((c) => reader.push(c));
    };
    checkEverySplit(feedAll, stream, (a, b) => a.length === b.length && a.every((x, i) => equalBytes(x, b[i]!)));
  });

  it('refuses to encode a body xsnap could not read', () => {
    assert.equal(codeOf(() => encodeNetstring({ length: 1_000_000_000 } as Uint8Array)), 'DECODE_OVERSIZE');
  });
});
