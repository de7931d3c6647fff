import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BurrowError } from '../protocol/errors.ts';
import { Address, formatAddress, MAX_ADDRESS_VALUE, parseAddress, TransportType } from '../protocol/routing/address.ts';
import { formatRoute, MAX_HOPS, parseRoute, Route, route } from '../protocol/routing/route.ts';
import { FUZZ_RUNS, errorCodeOf } from './support/decoder-harness.ts';

const addressArb = fc
  .record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ minLength: 1, maxLength: MAX_ADDRESS_VALUE }) })
  .map(({ type, value }) => new Address(type, value));

const codeOf = errorCodeOf;

describe('routing addresses', () => {
  it('parses the text forms into (type, value)', () => {
    const cases: [string, number, string][] = [
      ['api', TransportType.LOCAL, 'api'],
      ['local:a:b', TransportType.LOCAL, 'a:b'],
      ['tcp:10.0.0.5:4000', TransportType.TCP, '10.0.0.5:4000'],
      ['ble:c0ffee', TransportType.BLE, 'c0ffee'],
      ['uart:/dev/ttyUSB0', TransportType.UART, '/dev/ttyUSB0'],
      ['relay:r1', TransportType.RELAY, 'r1'],
      ['200:z', 200, 'z'],
      ['tcp:caf%c3%a9', TransportType.TCP, 'café'],
      ['tcp:café', TransportType.TCP, 'café'],
    ];
    for (const [text, type, value] of cases) {
      assert.ok(parseAddress(text).equals(new Address(type, value)), text);
    }
  });

  it('refuses bad text with ROUTE_BAD_ADDRESS', () => {
    for (const text of ['', 'tcp:', 'foo:bar', '256:x', '01:x', 'a b', 'tcp:a\nb', 'tcp:%4', 'tcp:%zz', 'x'.repeat(MAX_ADDRESS_VALUE + 1), 'tcp:' + '%41'.repeat(MAX_ADDRESS_VALUE + 1)]) {
      assert.equal(codeOf(() => parseAddress(text)), 'ROUTE_BAD_ADDRESS', JSON.stringify(text.slice(0, 30)));
    }
    assert.equal(codeOf(() => parseAddress('x'.repeat(MAX_ADDRESS_VALUE))), undefined, 'the limit itself is fine');
    assert.equal(codeOf(() => new Address(256, 'x')), 'ROUTE_BAD_ADDRESS');
    assert.equal(codeOf(() => new Address(1.5, 'x')), 'ROUTE_BAD_ADDRESS');
    assert.equal(codeOf(() => new Address(1, new Uint8Array(0))), 'ROUTE_BAD_ADDRESS');
  });

  it('every address formats to log-safe text that parses back to it', () => {
    fc.assert(
      fc.property(addressArb, (a) => {
        const text = formatAddress(a);
        assert.ok(/^[\x21-\x7e]+$/.test(text), `printable ASCII only: ${text}`);
        assert.ok(!text.includes('=>'), 'never the route separator');
        assert.ok(parseAddress(text).equals(a));
      }),
      { numRuns: Math.min(FUZZ_RUNS, 5000) },
    );
  });

  it('arbitrary text parses or fails typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'binary' }), (text) => {
        codeOf(() => parseAddress(text));
        codeOf(() => parseRoute(text));
      }),
      { numRuns: Math.min(FUZZ_RUNS, 5000) },
    );
  });

  it('addresses copy their value and compare by type and bytes', () => {
    const bytes = Uint8Array.of(1, 2);
    const a = new Address(TransportType.BLE, bytes);
    bytes[0] = 9;
    assert.deepEqual([...a.value], [1, 2]);
    assert.ok(a.equals(new Address(TransportType.BLE, Uint8Array.of(1, 2))));
    assert.ok(!a.equals(new Address(TransportType.UART, Uint8Array.of(1, 2))));
    assert.equal(JSON.stringify({ a }), '{"a":"ble:%01%02"}');
  });
});

describe('routing routes', () => {
  it('route() and parseRoute() build the same route; next, recipient, pop, prepend', () => {
    const r = parseRoute('ble:gw => tcp:cloud:4000 => api');
    assert.ok(r.equals(route('ble:gw', 'tcp:cloud:4000', Address.local('api'))));
    assert.equal(formatRoute(r), 'ble:gw => tcp:cloud:4000 => api');
    assert.equal(r.next().toString(), 'ble:gw');
    assert.equal(r.recipient().toString(), 'api');
    assert.equal(r.pop().toString(), 'tcp:cloud:4000 => api');
    assert.equal(r.prepend(Address.local('x')).toString(), 'x => ble:gw => tcp:cloud:4000 => api');
    assert.equal(r.length, 3, 'operations return new routes');
  });

  it('is immutable', () => {
    const r = route('a', 'b');
    assert.throws(() => (r.addresses as Address[]).push(Address.local('c')));
    assert.equal(r.length, 2);
  });

  it('bounds hops and refuses empty routes where a hop is needed', () => {
    const hops = Array.from({ length: MAX_HOPS }, (_, i) => `h${i}`);
    assert.equal(route(...hops).length, MAX_HOPS);
    assert.equal(codeOf(() => route(...hops, 'one-more')), 'ROUTE_TOO_LONG');
    assert.equal(codeOf(() => parseRoute([...hops, 'one-more'].join(' => '))), 'ROUTE_TOO_LONG');
    assert.equal(codeOf(() => route(...hops).append(Address.local('x'))), 'ROUTE_TOO_LONG');
    assert.equal(codeOf(() => parseRoute('  ')), 'ROUTE_EMPTY');
    assert.equal(codeOf(() => parseRoute('a => => b')), 'ROUTE_BAD_ADDRESS');
    for (const op of [() => Route.empty().next(), () => Route.empty().pop(), () => Route.empty().recipient()]) {
      assert.equal(codeOf(op), 'ROUTE_EMPTY');
    }
  });
});
