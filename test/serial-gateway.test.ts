/**
 * The gateway's serial links over real pseudo-terminal pairs (socat) with the real serialport
 * library on both ends: the device end runs the core's UartLink with an ESP32-sized FIFO.
 */
import assert from 'node:assert/strict';
import { encodeUartFrame } from '../protocol/framing/uart-frame.ts';
import { decodeMessage, encodeMessage } from '../protocol/routing/codec.ts';
import { routedMessage } from '../protocol/routing/message.ts';
import { formatRoute, route } from '../protocol/routing/route.ts';
import { recordingLogger } from '../transport-node/log.ts';
import { validateConfig } from '../gateway/config.ts';
import { Gateway } from '../gateway/gateway.ts';
import { UpstreamSink } from '../gateway/upstream-sink.ts';
import { PtyPair } from '../simulators/serial/pty-pair.ts';
import { UartDevice } from '../simulators/serial/uart-device.ts';

function frame(upstream: string, n: number, size = 40): Uint8Array {
  const payload = new Uint8Array(size).fill(n & 255);
  new DataView(payload.buffer).setUint32(0, n);
  return encodeMessage(routedMessage(route('uart:gw', upstream, 'api'), route('app'), payload));
}

const seqOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);

async function until(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function freePort(): Promise<number> {
  const sink = await UpstreamSink.start();
  const port = sink.port;
  await sink.close();
  return port;
}

describe('gateway over serial (socat ptys, real serialport)', function () {
  this.timeout(30_000);
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });

  async function setup(options: { upstreamPort?: number; perDevice?: number; maxHoldMs?: number } = {}) {
    const pair = await PtyPair.open();
    closers.push(() => pair.close());
    const upstream = `tcp:127.0.0.1:${options.upstreamPort ?? (await freePort())}`;
    const config = validateConfig({
      upstreams: [upstream],
      queue: { reconnect: { initialMs: 20, maxMs: 100 }, ...(options.perDevice === undefined ? {} : { perDevice: options.perDevice }) },
      serial: [{ path: pair.a, baudRate: 115200, ...(options.maxHoldMs === undefined ? {} : { maxHoldMs: options.maxHoldMs }) }],
      serialReconnect: { initialMs: 50, maxMs: 200 },
    });
    const gateway = await Gateway.start(config, { log: recordingLogger(), http: false });
    closers.push(() => gateway.close());
    const device = await UartDevice.open(pair.b);
    closers.push(() => device.close());
    const got: number[] = [];
    device.on('message', (m: Uint8Array) => got.push(seqOf(decodeMessage(m).payload)));
    const link = gateway.serial[0]!;
    await until(() => link.up && device.established);
    return { pair, gateway, device, link, upstream, got };
  }

  it('carries device messages to the upstream and replies back over the line', async () => {
    const sink = await UpstreamSink.start();
    closers.push(() => sink.close());
    sink.echo = true;
    const { device, link, got, pair } = await setup({ upstreamPort: sink.port });
    assert.equal(link.key, `uart:${pair.a}`);
    for (let i = 0; i < 5; i++) device.send(frame(sink.address, i, i === 2 ? 600 : 40));
    await sink.waitFor(5);
    assert.equal(formatRoute(sink.received[0]!.returnRoute).split(' => ')[1], `uart:${pair.a}`);
    await until(() => got.length === 5);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });

  it('never overruns a busy device’s 128-byte FIFO', async () => {
    const { device, link, got } = await setup();
    for (let i = 0; i < 12; i++) link.enqueueDown(encodeMessage(routedMessage(route(link.key, 'app'), route('api'), new Uint8Array(150).fill(i).map((v, j) => (j < 4 ? [0, 0, 0, i][j]! : v)))));
    // The device computes in bursts while the gateway has plenty to send.
    const bursts = setInterval(() => device.busy(120), 200);
    try {
      await until(() => got.length === 12, 20_000);
    } finally {
      clearInterval(bursts);
    }
    assert.deepEqual(got, [...Array(12).keys()]);
    assert.equal(device.overruns, 0);
  });

  it('drops garbage, bad CRCs, oversize runs and malformed messages, counted, and keeps going', async () => {
    const sink = await UpstreamSink.start();
    closers.push(() => sink.close());
    const { device, link } = await setup({ upstreamPort: sink.port });
    device.writeRaw(new Uint8Array([0x13, 0x37, 0x42, 0x99, 0x00])); // line noise
    const badCrc = encodeUartFrame(new Uint8Array([0x20, 0x01]));
    badCrc[2] = badCrc[2]! ^ 0xff;
    device.writeRaw(badCrc);
    device.writeRaw(new Uint8Array(400).fill(0x55)); // a run longer than any frame, then…
    device.writeRaw(new Uint8Array([0x00]));
    device.send(new Uint8Array([1, 2, 3])); // a well-framed link message that is no routed message
    device.send(frame('tcp:192.0.2.1:9', 1)); // a forbidden upstream
    for (let i = 0; i < 3; i++) device.send(frame(sink.address, 10 + i));
    await sink.waitFor(3);
    assert.deepEqual(sink.received.map((m) => seqOf(m.payload)), [10, 11, 12]);
    const drops = link.status().linkDrops;
    assert.ok(drops['bad_crc']! >= 1, `bad CRC counted: ${JSON.stringify(drops)}`);
    assert.ok(drops['garbage']! + drops['oversize']! >= 1, `noise counted: ${JSON.stringify(drops)}`);
    assert.equal(link.counters.drops.malformed, 1);
    assert.equal(link.counters.drops.forbidden_upstream, 1);
    assert.ok(link.up);
  });

  it('holds a device off while its upstream share is full, and loses nothing', async () => {
    const port = await freePort();
    const { device, link, gateway } = await setup({ upstreamPort: port, perDevice: 3, maxHoldMs: 10_000 });
    const upstream = `tcp:127.0.0.1:${port}`;
    for (let i = 0; i < 8; i++) device.send(frame(upstream, i));
    await until(() => gateway.upstreams.all()[0]!.queued === 3);
    await new Promise((r) => setTimeout(r, 300));
    // The gateway stopped acknowledging: the rest wait on the device, nothing was dropped.
    assert.equal(gateway.upstreams.all()[0]!.queued, 3);
    assert.ok(device.link.queued >= 4, `device still holds ${device.link.queued}`);
    assert.deepEqual(link.counters.drops, {});
    const sink = await UpstreamSink.start(port);
    closers.push(() => sink.close());
    await sink.waitFor(8);
    assert.deepEqual(sink.received.map((m) => seqOf(m.payload)), [...Array(8).keys()]);
    assert.equal(device.link.counters.messagesDropped, 0);
  });

  it('reopens after an unplug with a new port object and delivers what was queued meanwhile', async () => {
    const { pair, device, link, got } = await setup();
    const down = (n: number) => encodeMessage(routedMessage(route(link.key, 'app'), route('api'), Uint8Array.of(0, 0, 0, n)));
    link.enqueueDown(down(1));
    await until(() => got.length === 1);
    await device.close();
    await pair.close();
    await until(() => !link.up);
    for (let n = 2; n <= 4; n++) link.enqueueDown(down(n));
    const again = await PtyPair.open({ a: pair.a, b: pair.b });
    closers.push(() => again.close());
    const replugged = await UartDevice.open(again.b);
    closers.push(() => replugged.close());
    const after: number[] = [];
    replugged.on('message', (m: Uint8Array) => after.push(seqOf(decodeMessage(m).payload)));
    await until(() => after.length === 3, 15_000);
    assert.deepEqual(after, [2, 3, 4]);
    assert.ok(link.counters.connects >= 2);
  });
});

