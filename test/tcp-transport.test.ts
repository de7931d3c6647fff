/**
 * The Node TCP transport over real loopback sockets: routed messages cross it both ways with
 * replies retracing accepted connections; garbage, undecodable frames and refused next hops are
 * counted and dropped while the connection keeps working; an oversize length prefix closes
 * only that connection; a peer that is not reading is refused beyond the buffer bound; bursts
 * written together in one tick arrive whole and in order.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { utf8Decode, utf8Encode } from '../protocol/bytes.ts';
import { encodeFrame } from '../protocol/framing/length-prefix.ts';
import { encodeMessage } from '../protocol/routing/codec.ts';
import { route } from '../protocol/routing/route.ts';
import { Router } from '../protocol/routing/router.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { recordingLogger } from '../transport-node/log.ts';
import { parseHostPort, TcpTransport } from '../transport-node/tcp.ts';

const until = async (done: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('tcp transport', () => {
  const open: TcpTransport[] = [];
  afterEach(async () => { await Promise.all(open.splice(0).map((t) => t.close())); });

  async function pair(inboundPolicy?: (h: import('../protocol/routing/address.ts').Address) => boolean) {
    const serverRouter = new Router();
    const log = recordingLogger();
    const server = new TcpTransport(serverRouter, { log, ...(inboundPolicy ? { inboundPolicy } : {}) });
    serverRouter.register('echo', { handleMessage: (m, c) => c.reply(m, m.payload) });
    const { port } = await server.listen(0);
    const clientRouter = new Router();
    const client = new TcpTransport(clientRouter);
    const got: RoutedMessage[] = [];
    clientRouter.register('me', { handleMessage: (m) => { got.push(m); } });
    open.push(server, client);
    return { server, client, clientRouter, port, got, log };
  }

  it('carries messages and replies over an accepted connection', async () => {
    const { clientRouter, port, got, server } = await pair();
    for (let i = 0; i < 50; i++) clientRouter.route({ onwardRoute: route(`tcp:127.0.0.1:${port}`, 'echo'), returnRoute: route('me'), payload: utf8Encode(`m${i}`) });
    await until(() => got.length === 50);
    assert.deepEqual(got.map((m) => utf8Decode(m.payload)), Array.from({ length: 50 }, (_, i) => `m${i}`));
    assert.equal(String(got[0]!.returnRoute), `tcp:127.0.0.1:${port} => echo`);
    assert.equal(server.counters.framesIn, 50);
    assert.deepEqual(server.connectionKeys(), ['#1']);
  });

  it('carries a burst sent in one tick (held and written together) whole and in order, both ways', async () => {
    const { clientRouter, port, got, server } = await pair();
    const burst = (from: number) => {
      for (let i = from; i < from + 2000; i++) clientRouter.route({ onwardRoute: route(`tcp:127.0.0.1:${port}`, 'echo'), returnRoute: route('me'), payload: utf8Encode(`m${i}`) });
    };
    burst(0);
    await until(() => got.length === 2000);
    // The next tick's burst on the same, now uncorked, connection.
    burst(2000);
    await until(() => got.length === 4000);
    assert.deepEqual(got.map((m) => utf8Decode(m.payload)), Array.from({ length: 4000 }, (_, i) => `m${i}`));
    assert.equal(server.counters.framesIn, 4000);
  });

  it('drops garbage and refused hops, counts them by reason, and keeps the connection', async () => {
    const { port, server, log } = await pair((head) => head.isLocal && utf8Decode(head.value) === 'echo');
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const good = encodeFrame(encodeMessage({ onwardRoute: route('tcp:x:1', 'echo'), returnRoute: route('peer'), payload: utf8Encode('ok') }));
    const refused = encodeFrame(encodeMessage({ onwardRoute: route('tcp:x:1', 'secret'), returnRoute: route('peer'), payload: utf8Encode('SECRET-7f3a') }));
    socket.write(encodeFrame(Uint8Array.of(9, 9, 9)));
    socket.write(refused);
    socket.write(good);
    const reply = await once(socket, 'data');
    assert.ok((reply[0] as Buffer).length > 4, 'the valid frame was answered after the bad ones');
    assert.equal(server.counters.dropped['DECODE_BAD_VERSION'] ?? server.counters.dropped['DECODE_TRUNCATED'] ?? 0, 1);
    assert.equal(server.counters.dropped['INBOUND_REFUSED'], 1);
    assert.ok(log.records.every((r) => !JSON.stringify(r).includes('SECRET-7f3a')), 'no payload in logs');
    // An oversize length prefix ends this connection only.
    socket.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    await once(socket, 'close');
    assert.equal(server.counters.dropped['FRAME_OVERSIZE'], 1);
  });

  it('refuses to queue without bound for a peer that does not read', async () => {
    const sink = net.createServer((s) => { s.pause(); });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const port = (sink.address() as net.AddressInfo).port;
    const router = new Router();
    const t = new TcpTransport(router, { maxBufferedBytes: 64 * 1024 });
    open.push(t);
    await t.connect(`127.0.0.1:${port}`);
    let refused = 0;
    for (let i = 0; i < 5000 && refused === 0; i++) {
      try {
        router.route({ onwardRoute: route(`tcp:127.0.0.1:${port}`, 'x'), returnRoute: route('me'), payload: new Uint8Array(4000) });
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'FRAME_QUEUE_FULL');
        refused++;
      }
    }
    assert.equal(refused, 1);
    sink.close();
  });

  it('parses host:port forms and refuses the rest', () => {
    assert.deepEqual(parseHostPort('cloud.example:4000'), { host: 'cloud.example', port: 4000 });
    assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
    for (const bad of ['cloud', 'cloud:0', 'cloud:70000', '::1:80', 'a:b:1']) assert.throws(() => parseHostPort(bad), /not host:port/);
  });
});
