import { strict as assert } from 'node:assert';
import { BurrowError } from '../protocol/errors.ts';
import { parseAddress, TransportType } from '../protocol/routing/address.ts';
import { MemoryNetwork, type FaultRates } from '../protocol/routing/memory-transport.ts';
import { routedMessage, type RoutedMessage } from '../protocol/routing/message.ts';
import { MAX_HOPS, Route, route } from '../protocol/routing/route.ts';
import { Router, type Transport } from '../protocol/routing/router.ts';
import { seededRandom } from '../simulators/xs/random.ts';
import { threeHopNetwork } from './portable/routing.suite.ts';

import { errorCodeOf } from './support/decoder-harness.ts';

const codeOf = errorCodeOf;

const body = (i: number) => Uint8Array.of(i & 255, i >> 8);
const recorder = (into: RoutedMessage[]) => ({ handleMessage: (m: RoutedMessage) => { into.push(m); } });

describe('router', () => {
  it('delivers LOCAL heads to the registered worker and other types to their transport', () => {
    const router = new Router();
    const local: RoutedMessage[] = [];
    const sent: RoutedMessage[] = [];
    router.register('api', recorder(local));
    router.registerTransport(TransportType.UART, { send: (m) => { sent.push(m); } });
    router.route(routedMessage(route('api'), route(), body(1)));
    router.route(routedMessage(route('uart:ttyS1', 'api'), route(), body(2)));
    assert.deepEqual(local.map((m) => m.payload[0]), [1]);
    assert.deepEqual(sent.map((m) => m.payload[0]), [2]);
  });

  it('refuses an unknown worker, a type without transport and an empty route', () => {
    const router = new Router();
    router.register('api', recorder([]));
    assert.equal(codeOf(() => router.route(routedMessage(route('nope'), route(), body(0)))), 'ROUTE_NO_WORKER');
    assert.equal(codeOf(() => router.route(routedMessage(route('ble:x', 'api'), route(), body(0)))), 'ROUTE_NO_WORKER');
    assert.equal(codeOf(() => router.route(routedMessage(Route.empty(), route(), body(0)))), 'ROUTE_EMPTY');
    router.unregister('api');
    assert.equal(codeOf(() => router.route(routedMessage(route('api'), route(), body(0)))), 'ROUTE_NO_WORKER');
  });

  it('asks the outbound policy for every non-local hop and refuses with ROUTE_FORBIDDEN', () => {
    const asked: string[] = [];
    const allowed = parseAddress('tcp:cloud:4000');
    const router = new Router({ allow: (a) => { asked.push(a.toString()); return a.equals(allowed); } });
    const sent: RoutedMessage[] = [];
    const tcp: Transport = { send: (m) => { sent.push(m); } };
    router.registerTransport(TransportType.TCP, tcp);
    router.register('health', recorder([]));
    router.route(routedMessage(route('tcp:cloud:4000', 'api'), route(), body(0)));
    assert.equal(codeOf(() => router.route(routedMessage(route('tcp:evil:666', 'api'), route(), body(0)))), 'ROUTE_FORBIDDEN');
    router.route(routedMessage(route('health'), route(), body(0)));
    assert.equal(sent.length, 1);
    assert.deepEqual(asked, ['tcp:cloud:4000', 'tcp:evil:666'], 'local deliveries are not asked');
  });

  it('refuses duplicate registrations and a LOCAL transport', () => {
    const router = new Router();
    router.register('api', recorder([]));
    assert.equal(codeOf(() => router.register('api', recorder([]))), 'CONFIG_INVALID');
    router.registerTransport(TransportType.TCP, { send() {} });
    assert.equal(codeOf(() => router.registerTransport(TransportType.TCP, { send() {} })), 'CONFIG_INVALID');
    assert.equal(codeOf(() => router.registerTransport(TransportType.LOCAL, { send() {} })), 'CONFIG_INVALID');
  });

  it('a local hop worker forwards with stepForward, and the reply comes back through it', () => {
    const router = new Router();
    const atApi: RoutedMessage[] = [];
    const atApp: RoutedMessage[] = [];
    let hopSaw = 0;
    router.register('hop', { handleMessage: (m, ctx) => { hopSaw++; ctx.forward(m); } });
    router.register('api', { handleMessage: (m, ctx) => { atApi.push(m); ctx.reply(m, Uint8Array.of(42)); } });
    router.register('app', recorder(atApp));
    router.route(routedMessage(route('hop', 'api'), route('app'), body(1)));
    assert.equal(atApi[0]!.returnRoute.toString(), 'hop => app');
    assert.equal(hopSaw, 2, 'the reply passed the hop too');
    assert.equal(atApp[0]!.returnRoute.toString(), 'hop => api');
    assert.deepEqual([...atApp[0]!.payload], [42]);
  });
});

describe('routing over the memory network', () => {
  it('the gateway refuses an upstream its policy does not allow; nothing reaches it', () => {
    const n = threeHopNetwork();
    n.device.route(routedMessage(route('ble:gw', 'tcp:evil:666', 'api'), route('app'), body(1)));
    n.net.pump();
    assert.equal(n.atEvil.length, 0);
    assert.equal(n.net.counters.refusedByCode.ROUTE_FORBIDDEN, 1);
    assert.equal(codeOf(() => n.gateway.route(routedMessage(route('tcp:evil:666', 'api'), route(), body(1)))), 'ROUTE_FORBIDDEN');
  });

  it('an unknown worker at the cloud is refused and counted, not thrown at the device', () => {
    const n = threeHopNetwork();
    n.device.route(routedMessage(route('ble:gw', 'tcp:cloud:4000', 'nope'), route('app'), body(1)));
    n.net.pump();
    assert.equal(n.net.counters.refusedByCode.ROUTE_NO_WORKER, 1);
    assert.equal(n.atApi.length + n.atApp.length, 0);
  });

  it('a message crosses at most MAX_HOPS links: a routing loop ends by itself', () => {
    const net = new MemoryNetwork();
    const a = new Router();
    const b = new Router();
    net.attach(TransportType.TCP, 'a', a);
    net.attach(TransportType.TCP, 'b', b);
    const bounce = Array.from({ length: MAX_HOPS }, (_, i) => (i % 2 === 0 ? 'tcp:b' : 'tcp:a'));
    a.route(routedMessage(route(...bounce), Route.empty(), body(0)));
    assert.equal(net.pump(), MAX_HOPS);
    assert.equal(net.counters.refusedByCode.ROUTE_EMPTY, 1, 'the last hop had nowhere to go');
  });

  it('a hop refuses a message whose return route is already full', () => {
    const n = threeHopNetwork();
    const full = Route.of(Array.from({ length: MAX_HOPS }, () => parseAddress('app')));
    n.device.route(routedMessage(n.toApi, full, body(0)));
    n.net.pump();
    assert.equal(n.net.counters.refusedByCode.ROUTE_TOO_LONG, 1);
    assert.equal(n.atApi.length, 0);
  });

  it('sending to a node not on the network fails at the sender', () => {
    const n = threeHopNetwork();
    assert.equal(codeOf(() => n.device.route(routedMessage(route('ble:nobody', 'api'), route(), body(0)))), 'ROUTE_NO_WORKER');
    assert.equal(n.net.pending, 0);
  });

  it('pump stops at its limit', () => {
    const net = new MemoryNetwork();
    const a = new Router();
    const b = new Router();
    const self = net.attach(TransportType.TCP, 'a', a);
    net.attach(TransportType.TCP, 'b', b);
    // b's worker answers every message forever; the limit bounds the run.
    b.register('ping', { handleMessage: (m, ctx) => ctx.send(routedMessage(route(self, 'ping'), Route.empty(), m.payload)) });
    a.register('ping', { handleMessage: (m, ctx) => ctx.send(routedMessage(route('tcp:b', 'ping'), Route.empty(), m.payload)) });
    a.route(routedMessage(route('tcp:b', 'ping'), Route.empty(), body(0)));
    assert.equal(net.pump(50), 50);
    assert.equal(net.pending, 1);
  });
});

describe('memory network fault injection', () => {
  const faults: FaultRates = { drop: 0.1, duplicate: 0.1, reorder: 0.2, corrupt: 0.1 };

  function run(seed: number) {
    const n = threeHopNetwork({ random: seededRandom(seed), faults });
    for (let i = 0; i < 500; i++) n.device.route(routedMessage(n.toApi, route('app'), body(i)));
    n.net.pump();
    return n;
  }

  it('does what its counters say, and every crossing is accounted for', () => {
    const n = run(1);
    const c = n.net.counters;
    for (const k of ['dropped', 'duplicated', 'reordered', 'corrupted', 'undecodable', 'refused'] as const) {
      assert.ok(c[k] > 0, `${k} happened`);
    }
    assert.equal(c.sent + c.duplicated, c.delivered + c.dropped + c.undecodable + c.refused);
    assert.equal(n.net.pending, 0);
    assert.ok(n.atApp.length > 200 && n.atApp.length < 500 * 1.5, `replies received: ${n.atApp.length}`);
    const order = n.atApp.map((m) => m.payload[0]! | (m.payload[1]! << 8));
    assert.ok(order.some((v, i) => i > 0 && v < order[i - 1]!), 'replies arrive out of order');
    assert.equal(n.atEvil.length, 0, 'corruption never turned the gateway into an open proxy');
  });

  it('the same seed replays the same run; another seed does not', () => {
    const first = run(7).net.counters;
    assert.deepEqual(run(7).net.counters, first);
    assert.notDeepEqual(run(8).net.counters, first);
  });

  it('without faults every message arrives once and in order', () => {
    const n = threeHopNetwork();
    for (let i = 0; i < 100; i++) n.device.route(routedMessage(n.toApi, route('app'), body(i)));
    n.net.pump();
    assert.deepEqual(n.atApp.map((m) => m.payload[0]), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(n.net.counters.refusedByCode, {});
  });

  it('refuses bad rates and faults without a random source', () => {
    assert.equal(codeOf(() => new MemoryNetwork({ faults: { drop: 0.1 } })), 'CONFIG_INVALID');
    assert.equal(codeOf(() => new MemoryNetwork({ random: seededRandom(1), faults: { drop: 1.5 } })), 'CONFIG_INVALID');
    assert.equal(codeOf(() => new MemoryNetwork({ random: seededRandom(1), faults: { corrupt: Number.NaN } })), 'CONFIG_INVALID');
    assert.equal(codeOf(() => new MemoryNetwork().attach(TransportType.LOCAL, 'x', new Router())), 'CONFIG_INVALID');
  });
});

