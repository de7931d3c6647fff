/**
 * Application messages (protocol/app/messages.ts): every valid message roundtrips exactly,
 * the decoder refuses truncations, trailing bytes, out-of-order seqs and bad names with typed
 * errors, and random or mutated input never throws anything untyped.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AppMessageType, command, commandResult, decodeAppMessage, encodeAppMessage, MAX_BATCH_READINGS, MAX_NAME_BYTES,
  MAX_READING_VALUES, MAX_SEQ, telemetryAck, telemetryBatch, type AppMessage, type Reading,
} from '../protocol/app/messages.ts';
import { checkEveryTruncation, errorCodeOf, FUZZ_RUNS, fuzzDecoder } from './support/decoder-harness.ts';

const name = fc.stringMatching(new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_NAME_BYTES}}$`));
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const value = fc.double({ noNaN: true, noDefaultInfinity: true });

const batch = fc
  .tuple(
    fc.integer({ min: 0, max: MAX_SEQ - MAX_BATCH_READINGS * 4 }),
    fc.uniqueArray(fc.integer({ min: 0, max: MAX_BATCH_READINGS * 4 }), { minLength: 1, maxLength: MAX_BATCH_READINGS }),
    fc.array(fc.tuple(u32, u32, fc.array(fc.tuple(name, value).map(([n, v]) => ({ name: n, value: v })), { minLength: 1, maxLength: MAX_READING_VALUES })), {
      minLength: MAX_BATCH_READINGS, maxLength: MAX_BATCH_READINGS,
    }),
  )
  .map(([floor, offsets, details]) => {
    const readings: Reading[] = [...offsets].sort((a, b) => a - b).map((o, i) => {
      const [time, uptimeMs, values] = details[i]!;
      return { seq: floor + o, time, uptimeMs, values };
    });
    return telemetryBatch(floor, readings);
  });

const message: fc.Arbitrary<AppMessage> = fc.oneof(
  batch,
  fc.integer({ min: 0, max: MAX_SEQ + 1 }).map(telemetryAck),
  fc.tuple(u32, name, fc.string({ maxLength: 100 })).map(([id, n, args]) => command(id, n, args)),
  fc.tuple(u32, fc.boolean(), fc.string({ maxLength: 300 })).map(([id, ok, detail]) => commandResult(id, ok, detail)),
);

/** -0 survives the wire as -0, so deepStrictEqual (Object.is) is the right comparison. */
describe('app messages', () => {
  it('roundtrips every valid message exactly', () => {
    fc.assert(fc.property(message, (m) => {
      assert.deepStrictEqual(decodeAppMessage(encodeAppMessage(m)), m);
    }), { numRuns: Math.min(FUZZ_RUNS, 5000) });
  });

  it('refuses every truncation of valid messages', () => {
    fc.assert(fc.property(message, (m) => checkEveryTruncation(decodeAppMessage, encodeAppMessage(m))), { numRuns: 200 });
  });

  it('refuses trailing bytes, unknown types and bad flags with typed codes', () => {
    const ack = encodeAppMessage(telemetryAck(7));
    assert.equal(errorCodeOf(() => decodeAppMessage(Uint8Array.of(...ack, 0))), 'DECODE_TRAILING');
    assert.equal(errorCodeOf(() => decodeAppMessage(Uint8Array.of(9, 0, 0, 0, 0))), 'DECODE_BAD_VALUE');
    const result = encodeAppMessage(commandResult(1, true, 'x'));
    result[5] = 2; // ok flag
    assert.equal(errorCodeOf(() => decodeAppMessage(result)), 'DECODE_BAD_VALUE');
  });

  it('refuses batches whose seqs do not ascend from the floor', () => {
    const r = (seq: number): Reading => ({ seq, time: 0, uptimeMs: 0, values: [{ name: 't', value: 1 }] });
    assert.equal(errorCodeOf(() => encodeAppMessage(telemetryBatch(5, [r(4)]))), 'DECODE_BAD_VALUE');
    assert.equal(errorCodeOf(() => encodeAppMessage(telemetryBatch(0, [r(3), r(3)]))), 'DECODE_BAD_VALUE');
    // Same check on the wire: swap the seqs of an encoded two-reading batch.
    const bytes = encodeAppMessage(telemetryBatch(0, [r(1), r(2)]));
    const second = 6 + 13 + 1 + 2 + 8; // type, floor, count | reading 1: header, name 't', value
    bytes[9] = 2;
    bytes[second + 3] = 1;
    assert.equal(errorCodeOf(() => decodeAppMessage(bytes)), 'DECODE_BAD_VALUE');
  });

  it('refuses names that are not identifiers and texts beyond their limits', () => {
    assert.equal(errorCodeOf(() => encodeAppMessage(command(1, 'rm -rf'))), 'DECODE_BAD_VALUE');
    assert.equal(errorCodeOf(() => encodeAppMessage(command(1, 'x'.repeat(MAX_NAME_BYTES + 1)))), 'DECODE_BAD_VALUE');
    assert.equal(errorCodeOf(() => encodeAppMessage(command(1, 'status', 'é'.repeat(300)))), 'DECODE_OVERSIZE');
    assert.equal(errorCodeOf(() => encodeAppMessage(telemetryBatch(0, [{ seq: 0, time: 0, uptimeMs: 0, values: [{ name: 't', value: Infinity }] }]))), 'DECODE_BAD_VALUE');
  });

  it('never throws untyped errors on random or mutated input', () => {
    const samples = fc.sample(message, { numRuns: 20, seed: 7 }).map(encodeAppMessage);
    fuzzDecoder(decodeAppMessage, samples, { maxLength: 400 });
  });

  it('keeps AppMessageType codes stable', () => {
    assert.deepEqual(AppMessageType, { TELEMETRY: 1, ACK: 2, COMMAND: 3, RESULT: 4 });
  });
});
