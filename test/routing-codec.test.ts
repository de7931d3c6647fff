import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Address, MAX_ADDRESS_VALUE } from '../protocol/routing/address.ts';
import { decodeMessage, encodeMessage, MAX_ENCODED_MESSAGE } from '../protocol/routing/codec.ts';
import { MAX_PAYLOAD, routedMessage, type RoutedMessage } from '../protocol/routing/message.ts';
import { MAX_HOPS, Route, route } from '../protocol/routing/route.ts';
import { registerSuite } from './portable/mocha.ts';
import { checkSameMessage, largestMessage, routingSuite } from './portable/routing.suite.ts';
import { checkEveryCorruption, checkEveryTruncation, FUZZ_RUNS, fuzzDecoder } from './support/decoder-harness.ts';

registerSuite(routingSuite());

const addressArb = fc
  .record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ minLength: 1, maxLength: MAX_ADDRESS_VALUE }) })
  .map(({ type, value }) => new Address(type, value));
const routeArb = (minLength: number) => fc.array(addressArb, { minLength, maxLength: MAX_HOPS }).map((a) => Route.of(a));
const messageArb = fc
  .tuple(routeArb(1), routeArb(0), fc.uint8Array({ maxLength: MAX_PAYLOAD }))
  .map(([onward, ret, payload]) => routedMessage(onward, ret, payload));

/** Structure bytes: version, two counts, each address's length byte, two payload-length bytes. */
function structureBytes(m: RoutedMessage): number {
  return 1 + 2 + m.onwardRoute.length + m.returnRoute.length + 2;
}

const samples: RoutedMessage[] = [
  routedMessage(route('ble:gw', 'tcp:cloud.example.com:4000', 'api'), route('app'), Uint8Array.of(1, 2, 3, 4, 5)),
  routedMessage(route('api'), Route.empty(), new Uint8Array(0)),
  routedMessage(route('tcp:gw', 'ble:dev1', 'app'), route('api', '7:opaque'), new Uint8Array(300).fill(9)),
];

describe('routing codec', () => {
  it('fast-check: every valid message roundtrips and has exactly one encoding', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const wire = encodeMessage(m);
        const back = decodeMessage(wire);
        checkSameMessage(back, m, 'roundtrip');
        assert.deepEqual(encodeMessage(back), wire);
        assert.ok(wire.length <= MAX_ENCODED_MESSAGE);
      }),
      { numRuns: Math.min(FUZZ_RUNS, 2000) },
    );
  });

  it('MAX_ENCODED_MESSAGE is the exact size of the largest message', () => {
    assert.equal(encodeMessage(largestMessage()).length, MAX_ENCODED_MESSAGE);
  });

  it(`random and mutated input only ever fails typed (${FUZZ_RUNS} runs)`, () => {
    const started = Date.now();
    fuzzDecoder(decodeMessage, samples.map(encodeMessage));
    const ms = Date.now() - started;
    assert.ok(ms < 30_000, `fuzzing took ${ms} ms`);
  });

  it('every truncation is refused; every corrupted structure byte is refused, every content byte accepted', () => {
    for (const m of samples) {
      const wire = encodeMessage(m);
      checkEveryTruncation(decodeMessage, wire);
      // Value lengths here are below 127, so a flipped length byte always exceeds the limit;
      // type, value and payload bytes carry no constraint, so their corruption decodes.
      assert.equal(checkEveryCorruption(decodeMessage, wire), wire.length - structureBytes(m));
    }
    const largest = encodeMessage(largestMessage());
    checkEveryTruncation(decodeMessage, largest);
    checkEveryCorruption(decodeMessage, largest);
  });

  it('decoded messages do not share memory with the input', () => {
    const wire = encodeMessage(samples[0]!);
    const m = decodeMessage(wire);
    wire.fill(0);
    checkSameMessage(m, samples[0]!, 'after wiping the input');
  });
});
