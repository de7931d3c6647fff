/**
 * Routing, Node-free so it runs on XS as well: the codec roundtrips seeded random messages and
 * holds its limits, text forms roundtrip, stepForward moves one hop, and a reply retraces a
 * 3-hop route over the in-memory network with no state kept at the hops.
 */
import { seededRandom } from '../../simulators/xs/random.ts';
import type { RandomSource } from '../../protocol/crypto/provider.ts';
import { Address, formatAddress, MAX_ADDRESS_VALUE, parseAddress, TransportType } from '../../protocol/routing/address.ts';
import { decodeMessage, encodeMessage, WIRE_VERSION } from '../../protocol/routing/codec.ts';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../protocol/routing/memory-transport.ts';
import { MAX_PAYLOAD, routedMessage, stepForward, type RoutedMessage } from '../../protocol/routing/message.ts';
import { MAX_HOPS, parseRoute, Route, route } from '../../protocol/routing/route.ts';
import { Router } from '../../protocol/routing/router.ts';
import { check, checkBytes, checkEqual, checkThrowsCode, type Suite } from './suite.ts';

function randomRoute(random: RandomSource, minHops: number): Route {
  const hops: Address[] = [];
  const count = minHops + (random(1)[0]! % (MAX_HOPS + 1 - minHops));
  for (let i = 0; i < count; i++) {
    const [type, length] = random(2);
    hops.push(new Address(type!, random(1 + (length! % MAX_ADDRESS_VALUE))));
  }
  return Route.of(hops);
}

export function randomMessage(random: RandomSource): RoutedMessage {
  const [hi, lo] = random(2);
  return routedMessage(randomRoute(random, 1), randomRoute(random, 0), random(((hi! << 8) | lo!) % (MAX_PAYLOAD + 1)));
}

export function checkSameMessage(actual: RoutedMessage, expected: RoutedMessage, what: string): void {
  check(actual.onwardRoute.equals(expected.onwardRoute), `${what}: onward route ${actual.onwardRoute} != ${expected.onwardRoute}`);
  check(actual.returnRoute.equals(expected.returnRoute), `${what}: return route ${actual.returnRoute} != ${expected.returnRoute}`);
  checkBytes(actual.payload, expected.payload, `${what}: payload`);
}

/** The largest message the limits allow. */
export function largestMessage(): RoutedMessage {
  const full = (tag: number) => Route.of(Array.from({ length: MAX_HOPS }, (_, i) => new Address(tag, new Uint8Array(MAX_ADDRESS_VALUE).fill(i))));
  return routedMessage(full(TransportType.TCP), full(TransportType.BLE), new Uint8Array(MAX_PAYLOAD).fill(0xab));
}

export interface ThreeHops {
  readonly net: MemoryNetwork;
  readonly device: Router;
  readonly gateway: Router;
  readonly cloud: Router;
  /** What the cloud's 'api' worker received (it echoes every payload back). */
  readonly atApi: RoutedMessage[];
  /** What the device's 'app' worker received. */
  readonly atApp: RoutedMessage[];
  /** Messages that reached a node the gateway must never forward to. */
  readonly atEvil: RoutedMessage[];
  /** device -> gateway (BLE) -> cloud (TCP) -> worker 'api'. */
  readonly toApi: Route;
}

/**
 * device 'dev1' --BLE--> gateway 'gw' --TCP--> cloud 'cloud:4000', worker 'api' echoes.
 * The gateway allows only its BLE links and the one configured upstream; 'tcp:evil:666' is
 * on the same network, reachable by TCP, and must never see a message.
 */
export function threeHopNetwork(options: MemoryNetworkOptions = {}): ThreeHops {
  const net = new MemoryNetwork(options);
  const upstream = parseAddress('tcp:cloud:4000');
  const device = new Router();
  const gateway = new Router({ allow: (a) => a.type === TransportType.BLE || a.equals(upstream) });
  const cloud = new Router();
  const evil = new Router();
  net.attach(TransportType.BLE, 'dev1', device);
  net.attach(TransportType.BLE, 'gw', gateway);
  net.attach(TransportType.TCP, 'gw', gateway);
  net.attach(TransportType.TCP, 'cloud:4000', cloud);
  net.attach(TransportType.TCP, 'evil:666', evil);
  const atApi: RoutedMessage[] = [];
  const atApp: RoutedMessage[] = [];
  const atEvil: RoutedMessage[] = [];
  cloud.register('api', {
    handleMessage(message, context) {
      atApi.push(message);
      context.reply(message, message.payload);
    },
  });
  device.register('app', { handleMessage: (message) => { atApp.push(message); } });
  evil.register('api', { handleMessage: (message) => { atEvil.push(message); } });
  return { net, device, gateway, cloud, atApi, atApp, atEvil, toApi: route('ble:gw', 'tcp:cloud:4000', 'api') };
}

export function routingSuite(): Suite {
  return {
    name: 'routing (portable)',
    expectedCount: 5,
    cases: [
      {
        name: 'codec: 200 seeded random messages encode, decode and re-encode identically',
        run() {
          const random = seededRandom(7);
          for (let i = 0; i < 200; i++) {
            const m = randomMessage(random);
            const wire = encodeMessage(m);
            checkEqual(wire[0], WIRE_VERSION, 'version byte first');
            const back = decodeMessage(wire);
            checkSameMessage(back, m, `message ${i}`);
            checkBytes(encodeMessage(back), wire, `message ${i} has one encoding`);
          }
        },
      },
      {
        name: 'codec: the largest message roundtrips; one hop, value byte or payload byte more is refused',
        run() {
          const max = largestMessage();
          const wire = encodeMessage(max);
          checkSameMessage(decodeMessage(wire), max, 'largest message');
          checkThrowsCode(() => max.onwardRoute.append(Address.local('x')), 'ROUTE_TOO_LONG', 'ninth hop');
          checkThrowsCode(() => new Address(1, new Uint8Array(MAX_ADDRESS_VALUE + 1)), 'ROUTE_BAD_ADDRESS', 'long value');
          checkThrowsCode(() => encodeMessage({ ...max, payload: new Uint8Array(MAX_PAYLOAD + 1) }), 'ROUTE_OVERSIZE', 'long payload');
          checkThrowsCode(() => encodeMessage({ ...max, onwardRoute: Route.empty() }), 'ROUTE_EMPTY', 'no onward hop');
          const edit = (at: number, value: number) => { const w = wire.slice(); w[at] = value; return w; };
          const payloadLengthAt = wire.length - MAX_PAYLOAD - 2;
          checkThrowsCode(() => decodeMessage(edit(0, WIRE_VERSION + 1)), 'DECODE_BAD_VERSION', 'version 2');
          checkThrowsCode(() => decodeMessage(edit(1, MAX_HOPS + 1)), 'DECODE_OVERSIZE', 'nine onward hops');
          checkThrowsCode(() => decodeMessage(edit(1, 0)), 'DECODE_BAD_VALUE', 'empty onward route');
          checkThrowsCode(() => decodeMessage(edit(3, MAX_ADDRESS_VALUE + 1)), 'DECODE_OVERSIZE', 'long address value');
          checkThrowsCode(() => decodeMessage(edit(3, 0)), 'DECODE_BAD_VALUE', 'empty address value');
          const oversize = wire.slice();
          oversize[payloadLengthAt] = (MAX_PAYLOAD + 1) >> 8;
          oversize[payloadLengthAt + 1] = (MAX_PAYLOAD + 1) & 255;
          checkThrowsCode(() => decodeMessage(oversize), 'DECODE_OVERSIZE', `payload length ${MAX_PAYLOAD + 1}`);
          const trailing = new Uint8Array(wire.length + 1);
          trailing.set(wire);
          checkThrowsCode(() => decodeMessage(trailing), 'DECODE_TRAILING', 'one trailing byte');
        },
      },
      {
        name: 'address and route text forms roundtrip',
        run() {
          for (const text of ['api', 'local:a:b', 'tcp:10.0.0.5:4000', 'tcp:[::1]:4000', 'ble:AA:BB:CC:DD:EE:FF', 'uart:ttyUSB0', 'relay:r1', '9:x', 'tcp:%00%25%3E%20']) {
            checkEqual(formatAddress(parseAddress(text)), text, 'address text');
          }
          const r = parseRoute(' ble:gw=>tcp:cloud:4000 =>  api ');
          checkEqual(r.toString(), 'ble:gw => tcp:cloud:4000 => api', 'route text');
          check(r.equals(route('ble:gw', new Address(TransportType.TCP, 'cloud:4000'), Address.local('api'))), 'route() builds the same');
          checkEqual(parseAddress('local:api').toString(), 'api', 'local: prefix is optional');
        },
      },
      {
        name: 'stepForward pops this hop and pushes the way back; refuses with nothing left or a full return route',
        run() {
          const m = routedMessage(route('ble:gw', 'tcp:cloud:4000', 'api'), route('app'), Uint8Array.of(1));
          const stepped = stepForward(m, parseAddress('ble:dev1'));
          checkEqual(stepped.onwardRoute.toString(), 'tcp:cloud:4000 => api', 'onward popped');
          checkEqual(stepped.returnRoute.toString(), 'ble:dev1 => app', 'return pushed');
          checkEqual(m.onwardRoute.length, 3, 'the original is unchanged');
          checkThrowsCode(() => stepForward(routedMessage(route('api'), route(), m.payload), Address.local('x')), 'ROUTE_EMPTY', 'last hop');
          checkThrowsCode(() => stepForward(routedMessage(Route.empty(), route(), m.payload), Address.local('x')), 'ROUTE_EMPTY', 'empty route');
          const fullReturn = Route.of(Array.from({ length: MAX_HOPS }, () => Address.local('r')));
          checkThrowsCode(() => stepForward(routedMessage(m.onwardRoute, fullReturn, m.payload), Address.local('x')), 'ROUTE_TOO_LONG', 'full return route');
        },
      },
      {
        name: 'a reply retraces device -> gateway -> cloud api over the memory network, hops keep no state',
        run() {
          const n = threeHopNetwork();
          const payload = Uint8Array.of(1, 2, 3);
          n.device.route(routedMessage(n.toApi, route('app'), payload));
          checkEqual(n.net.pending, 1, 'queued until pumped');
          checkEqual(n.net.pump(), 4, 'four link crossings: out over BLE and TCP, back over TCP and BLE');
          checkEqual(n.atApi.length, 1, 'api received once');
          checkEqual(n.atApi[0]!.returnRoute.toString(), 'tcp:gw => ble:dev1 => app', 'return route recorded at the cloud');
          checkEqual(n.atApp.length, 1, 'reply reached the device app');
          const reply = n.atApp[0]!;
          checkBytes(reply.payload, payload, 'echoed payload');
          checkEqual(reply.onwardRoute.toString(), 'app', 'reply delivered at its last hop');
          check(reply.returnRoute.equals(n.toApi), `reply's return route ${reply.returnRoute} is the original onward route`);
          // The device answers along the return route and reaches the same worker again.
          n.device.route(routedMessage(reply.returnRoute, route('app'), Uint8Array.of(4)));
          n.net.pump();
          checkEqual(n.atApi.length, 2, 'the return route works as an onward route');
          checkEqual(n.atEvil.length, 0, 'nothing reached the forbidden node');
          checkEqual(n.net.counters.delivered, 8, 'all crossings delivered');
        },
      },
    ],
  };
}
