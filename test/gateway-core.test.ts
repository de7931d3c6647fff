/**
 * The gateway's routing, policy and store-and-forward, driven through in-memory device links
 * (the links' twin) against a real TCP upstream on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRoute, route } from '../protocol/routing/route.ts';
import { LengthPrefixDecoder } from '../protocol/framing/length-prefix.ts';
import { decodeMessage, encodeMessage } from '../protocol/routing/codec.ts';
import { routedMessage } from '../protocol/routing/message.ts';
import { recordingLogger } from '../transport-node/log.ts';
import { validateConfig } from '../gateway/config.ts';
import { Gateway } from '../gateway/gateway.ts';
import type { MemoryLink } from '../gateway/memory-link.ts';
import { UpstreamSink } from '../gateway/upstream-sink.ts';

/** A frame as a device sends it: first hop names the gateway, then the upstream, then 'api'. */
function deviceFrame(upstream: string, n: number, to = 'api', size = 24): Uint8Array {
  const payload = new Uint8Array(size).fill(n & 255);
  new DataView(payload.buffer).setUint32(0, n);
  return encodeMessage(routedMessage(route('ble:gw', upstream, to), route('app'), payload));
}

function seqOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(0);
}

/** A port nobody listens on (for an upstream that is down). */
async function freePort(): Promise<number> {
  const sink = await UpstreamSink.start();
  const port = sink.port;
  await sink.close();
  return port;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function gatewayConfig(upstream: string, extra: { queue?: object; [key: string]: unknown } = {}) {
  const { queue, ...rest } = extra;
  return validateConfig({ upstreams: [upstream], ...rest, queue: { reconnect: { initialMs: 20, maxMs: 100 }, ...queue } });
}

describe('gateway core (memory links, real TCP upstream)', function () {
  this.timeout(15_000);
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });

  async function startGateway(upstream: string, extra: Record<string, unknown> = {}) {
    const log = recordingLogger();
    const gateway = await Gateway.start(gatewayConfig(upstream, extra), { log, http: false, random: () => 0.5 });
    closers.push(() => gateway.close());
    return { gateway, log };
  }

  async function startSink(port = 0) {
    const sink = await UpstreamSink.start(port);
    closers.push(() => sink.close());
    return sink;
  }

  function device(gateway: Gateway, name: string): MemoryLink & { got: Uint8Array[] } {
    const link = gateway.addMemoryLink(`ble:${name}`) as MemoryLink & { got: Uint8Array[] };
    link.got = [];
    link.onDevice = (m) => link.got.push(m);
    link.connect();
    return link;
  }

  it('steps a device message forward to the upstream and routes the reply back to that device', async () => {
    const sink = await startSink();
    sink.echo = true;
    const { gateway } = await startGateway(sink.address);
    const a = device(gateway, 'dev-a');
    const b = device(gateway, 'dev-b');
    await until(() => gateway.upstreams.all()[0]!.state === 'up');
    a.fromDevice(deviceFrame(sink.address, 1));
    await sink.waitFor(1);
    const arrived = sink.received[0]!;
    // The cloud sees the way back: its accepted connection, then the gateway's link to the device.
    assert.match(formatRoute(arrived.returnRoute), /^tcp:#\d+ => ble:dev-a => app$/);
    await until(() => a.got.length === 1);
    const reply = decodeMessage(a.got[0]!);
    assert.equal(formatRoute(reply.onwardRoute), 'ble:dev-a => app');
    assert.equal(formatRoute(reply.returnRoute), `${sink.address} => api`);
    assert.equal(seqOf(reply.payload), 1);
    assert.equal(b.got.length, 0, 'the reply went to its device only');
    assert.equal(a.counters.framesUp, 1);
    assert.equal(a.counters.framesDown, 1);
  });

  it('drops malformed and forbidden frames from one device, counted by reason, without hurting another', async () => {
    const sink = await startSink();
    const { gateway, log } = await startGateway(sink.address);
    const bad = device(gateway, 'bad');
    const good = device(gateway, 'good');
    await until(() => gateway.upstreams.all()[0]!.state === 'up');
    const valid = deviceFrame(sink.address, 7);
    const garbage = new Uint8Array(40).map((_, i) => (i * 37 + 11) & 255);
    const wrongVersion = valid.slice();
    wrongVersion[0] = 9;
    const frames = [
      garbage,
      valid.subarray(0, valid.length - 5), // truncated
      wrongVersion,
      new Uint8Array(0),
      deviceFrame('tcp:203.0.113.9:4000', 1), // an upstream the config does not allow
      encodeMessage(routedMessage(route('ble:gw', 'admin'), route('app'), new Uint8Array(1))), // a local worker
      encodeMessage(routedMessage(route('ble:gw', 'uart:/dev/ttyS0'), route('app'), new Uint8Array(1))), // another link: no open proxy
      encodeMessage(routedMessage(route('ble:gw'), route('app'), new Uint8Array(1))), // nothing after the gateway
    ];
    for (let i = 0; i < 3; i++) {
      for (const f of frames) bad.fromDevice(f);
      good.fromDevice(deviceFrame(sink.address, i));
    }
    await sink.waitFor(3);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sink.received.length, 3, 'only the good device reached the upstream');
    assert.deepEqual(sink.received.map((m) => seqOf(m.payload)), [0, 1, 2]);
    assert.deepEqual(bad.counters.drops, { malformed: 12, forbidden_upstream: 9, bad_route: 3 });
    assert.deepEqual(good.counters.drops, {});
    // Logs name the device and the reason, never payload bytes.
    const text = JSON.stringify(log.records);
    assert.match(text, /"device":"ble:bad","reason":"malformed"/);
    assert.doesNotMatch(text, /0707070707/);
  });

  it('queues while the upstream is down, within per-device shares, and delivers round robin after reconnect', async () => {
    const port = await freePort();
    const upstream = `tcp:127.0.0.1:${port}`;
    const { gateway } = await startGateway(upstream, { queue: { maxFrames: 1000, perDevice: 40 } });
    const flood = device(gateway, 'flood');
    const quiet = device(gateway, 'quiet');
    for (let i = 0; i < 100; i++) flood.fromDevice(deviceFrame(upstream, i));
    for (let i = 0; i < 5; i++) quiet.fromDevice(deviceFrame(upstream, 1000 + i));
    const up = gateway.upstreams.all()[0]!;
    assert.equal(up.queued, 45);
    assert.equal(flood.counters.drops.device_quota, 60);
    assert.equal(quiet.counters.drops.device_quota, undefined);
    const sink = await startSink(port);
    await sink.waitFor(45);
    const order = sink.received.map((m) => seqOf(m.payload));
    // Each device's frames in order; the quiet device is not stuck behind the flood.
    assert.deepEqual(order.filter((n) => n < 1000), [...Array(40).keys()]);
    assert.deepEqual(order.filter((n) => n >= 1000), [1000, 1001, 1002, 1003, 1004]);
    assert.ok(order.indexOf(1004) < 10, `quiet device served within the first rounds (at ${order.indexOf(1004)})`);
  });

  it('refuses beyond the whole queue bound with queue_full', async () => {
    const upstream = `tcp:127.0.0.1:${await freePort()}`;
    const { gateway } = await startGateway(upstream, { queue: { maxFrames: 10, perDevice: 10 } });
    const a = device(gateway, 'a');
    const b = device(gateway, 'b');
    for (let i = 0; i < 8; i++) a.fromDevice(deviceFrame(upstream, i));
    for (let i = 0; i < 5; i++) b.fromDevice(deviceFrame(upstream, i));
    assert.equal(gateway.upstreams.all()[0]!.queued, 10);
    assert.equal(b.counters.drops.queue_full, 3);
  });

  it('upstream loss loses no queued frame: frames sent while it is away arrive after it returns', async () => {
    let sink = await startSink();
    const port = sink.port;
    const { gateway } = await startGateway(sink.address);
    const a = device(gateway, 'a');
    const up = gateway.upstreams.all()[0]!;
    await until(() => up.state === 'up');
    for (let i = 0; i < 10; i++) a.fromDevice(deviceFrame(sink.address, i));
    await sink.waitFor(10);
    await sink.close();
    await until(() => up.state !== 'up');
    for (let i = 10; i < 60; i++) a.fromDevice(deviceFrame(`tcp:127.0.0.1:${port}`, i));
    assert.equal(up.queued, 50);
    sink = await startSink(port);
    await sink.waitFor(50);
    assert.deepEqual(sink.received.map((m) => seqOf(m.payload)), [...Array(50).keys()].map((i) => i + 10));
    assert.ok(up.counters.connects >= 2);
  });

  it('an upstream that stops reading fills the socket; its queued frames go out once it reads again, none lost', async () => {
    // A cloud that stalls: it accepts, then reads nothing for a while.
    const seqs: number[] = [];
    let socket: net.Socket | undefined;
    const server = net.createServer((s) => {
      socket = s;
      s.pause();
      const decoder = new LengthPrefixDecoder();
      s.on('data', (chunk: Buffer) => { for (const f of decoder.push(chunk)) seqs.push(seqOf(decodeMessage(f).payload)); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => { socket?.destroy(); server.close(() => r()); }));
    const upstream = `tcp:127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const { gateway } = await startGateway(upstream, { queue: { maxFrames: 100_000, maxBytes: 64 * 1024 * 1024, perDevice: 100_000 } });
    const a = device(gateway, 'a');
    const up = gateway.upstreams.all()[0]!;
    await until(() => up.state === 'up' && socket !== undefined);
    // 12 MB over many ticks (the socket has every chance to drain, but nobody reads): past
    // the transport's 2 MB bound and what the kernel's socket buffers hold.
    const total = 12_000;
    for (let i = 0; i < total; i++) {
      a.fromDevice(deviceFrame(upstream, i, 'api', 1024)); // 1 KiB payloads fill sockets fast
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await until(() => up.queued > 0);
    assert.equal(a.counters.drops.queue_full, undefined, 'the queue took what the socket could not');
    socket!.resume();
    await until(() => seqs.length === total, 10_000);
    assert.deepEqual(seqs, [...Array(total).keys()], 'every frame once, in order');
    assert.equal(up.queued, 0);
  });

  it('keeps downlink messages for a device whose link is down and delivers them when it returns', async () => {
    const sink = await startSink();
    sink.echo = true;
    const { gateway } = await startGateway(sink.address, { downlink: { maxFrames: 3 } });
    const a = device(gateway, 'a');
    await until(() => gateway.upstreams.all()[0]!.state === 'up');
    for (let i = 0; i < 5; i++) a.fromDevice(deviceFrame(sink.address, i));
    a.disconnect();
    await sink.waitFor(5);
    await until(() => a.status().downlinkQueued + (a.counters.drops.downlink_full ?? 0) === 5);
    assert.equal(a.got.length, 0);
    assert.equal(a.counters.drops.downlink_full, 2);
    a.connect();
    assert.deepEqual(a.got.map((m) => seqOf(decodeMessage(m).payload)), [0, 1, 2]);
  });

  it('the network reaches only the gateway’s device links', async () => {
    const sink = await startSink();
    const { gateway } = await startGateway(sink.address);
    device(gateway, 'a');
    const up = gateway.upstreams.all()[0]!;
    await until(() => up.state === 'up');
    const accepted = sink.tcp.connectionKeys()[0]!;
    const send = (to: string) => sink.tcp.send(routedMessage(route(`tcp:${accepted}`, to, 'app'), route('api'), new Uint8Array(4)));
    send('ble:unknown');
    send('tcp:10.0.0.1:80');
    send('ble:a');
    await until(() => gateway.tcp.counters.framesIn === 3);
    assert.equal(gateway.tcp.counters.dropped.INBOUND_REFUSED, 2);
  });

  it('a restart with the disk queue loses nothing queued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-gw-'));
    const disk = join(dir, 'queue.sqlite');
    const port = await freePort();
    const upstream = `tcp:127.0.0.1:${port}`;
    const first = await Gateway.start(gatewayConfig(upstream, { queue: { disk } }), { log: recordingLogger(), http: false });
    const a = first.addMemoryLink('ble:a');
    const b = first.addMemoryLink('uart:/dev/ttyS1');
    a.connect();
    b.connect();
    for (let i = 0; i < 30; i++) (i % 3 === 0 ? b : a).fromDevice(deviceFrame(upstream, i));
    assert.equal(first.upstreams.all()[0]!.queued, 30);
    await first.close();
    assert.equal(statSync(disk).mode & 0o777, 0o600);
    const sink = await startSink(port);
    const { gateway: second } = await startGateway(upstream, { queue: { disk } });
    await sink.waitFor(30);
    const seqs = sink.received.map((m) => seqOf(m.payload));
    assert.deepEqual([...seqs].sort((x, y) => x - y), [...Array(30).keys()]);
    // Per device, order survives the restart; return routes still lead to the right link.
    const viaB = sink.received.filter((m) => formatRoute(m.returnRoute).includes('uart:/dev/ttyS1')).map((m) => seqOf(m.payload));
    assert.deepEqual(viaB, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    await until(() => second.upstreams.all()[0]!.queued === 0);
    // Sent frames are gone from disk: a third start sends nothing again.
    await second.close();
    closers.length = 1; // the sink only
    const before = sink.received.length;
    const third = await Gateway.start(gatewayConfig(upstream, { queue: { disk } }), { log: recordingLogger(), http: false });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.received.length, before);
    await third.close();
  });
});
