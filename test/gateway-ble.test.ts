/**
 * The gateway's BLE side end to end: real noble classes over the simulated radio (adapter
 * 'sim:<endpoint>'), devices as peripherals (one in a child process), a real TCP upstream.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../protocol/bytes.ts';
import { decodeMessage, encodeMessage } from '../protocol/routing/codec.ts';
import { routedMessage } from '../protocol/routing/message.ts';
import { formatRoute, route } from '../protocol/routing/route.ts';
import { recordingLogger } from '../transport-node/log.ts';
import { validateConfig } from '../gateway/config.ts';
import { Gateway } from '../gateway/gateway.ts';
import { UpstreamSink } from '../gateway/upstream-sink.ts';
import { DeviceChild } from '../simulators/ble/device-child.ts';
import { FragmentDevice } from '../simulators/ble/fragment-device.ts';
import { RadioHub } from '../simulators/ble/hub.ts';

function frame(upstream: string, n: number, size = 32): Uint8Array {
  const payload = new Uint8Array(size).fill(n & 255);
  new DataView(payload.buffer).setUint32(0, n);
  return encodeMessage(routedMessage(route('ble:gw', upstream, 'api'), route('app'), payload));
}

const seqOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);

async function until(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('gateway over BLE (real noble, simulated radio)', function () {
  this.timeout(30_000);
  let hub: RadioHub;
  let sink: UpstreamSink;
  const closers: (() => Promise<void> | void)[] = [];

  beforeEach(async () => {
    hub = await RadioHub.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'burrow-gwble-')), 'radio.sock') });
    sink = await UpstreamSink.start();
    sink.echo = true;
  });

  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
    await sink.close();
    await hub.close();
  });

  async function startGateway(ble: Record<string, unknown> = {}) {
    const log = recordingLogger();
    const config = validateConfig({
      upstreams: [sink.address],
      queue: { reconnect: { initialMs: 20, maxMs: 100 } },
      ble: {
        adapter: `sim:${hub.endpoint}`,
        mtu: 517,
        reconnect: { initialMs: 20, maxMs: 200 },
        timeouts: { connectMs: 2000, discoverMs: 1000, subscribeMs: 1000, writeMs: 500, disconnectMs: 300 },
        ...ble,
      },
    });
    const gateway = await Gateway.start(config, { log, http: false });
    closers.push(() => gateway.close());
    return { gateway, log };
  }

  async function startDevice(address?: string) {
    const device = await FragmentDevice.start({ endpoint: hub.endpoint, ...(address === undefined ? {} : { address }) });
    closers.push(() => device.close());
    return device;
  }

  it('carries a device in another process to the upstream and the reply back, fragmented to MTU - 3', async () => {
    const child = await DeviceChild.spawn({ endpoint: hub.endpoint, name: 'burrow-7' });
    closers.push(() => child.exit());
    const ready = once(child, 'ready');
    const { gateway } = await startGateway();
    await ready;
    const link = gateway.links.all()[0]!;
    assert.equal(link.key, `ble:${child.id}`);
    await until(() => link.up);
    assert.equal(link.status().detail['mtu'], 256, 'the gateway asked 517, the device offers 256');
    assert.equal(link.status().detail['fragment'], 253);
    // 900 bytes: several notifications up, several writes down.
    const sent = frame(sink.address, 42, 900);
    // Listen before sending: the echo can come back before the upstream check below is done.
    const replied = once(child, 'message');
    assert.equal(await child.send(sent), true);
    await sink.waitFor(1);
    assert.equal(formatRoute(sink.received[0]!.returnRoute).split(' => ')[1], `ble:${child.id}`);
    const [hex] = (await replied) as [string];
    const reply = decodeMessage(fromHex(hex));
    assert.equal(formatRoute(reply.onwardRoute), `ble:${child.id} => app`);
    assert.equal(seqOf(reply.payload), 42);
    assert.equal(reply.payload.length, 900);
  });

  it('link loss loses no queued downlink message: reconnect, re-subscribe, deliver', async () => {
    const device = await startDevice();
    const got: number[] = [];
    device.on('message', (m: Uint8Array) => got.push(seqOf(decodeMessage(m).payload)));
    const { gateway } = await startGateway({ timeouts: { connectMs: 2000, discoverMs: 1000, subscribeMs: 1000, writeMs: 3000, disconnectMs: 300 } });
    await until(() => gateway.links.all()[0]?.up === true);
    const link = gateway.links.all()[0]!;
    // The device is busy (a DH): the first write waits, then the link drops with messages
    // queued, and the write in flight never reaches the application.
    let release: () => void = () => undefined;
    const consume = device.peripheral.handlers.onWrite!;
    device.peripheral.handlers.onWrite = () => new Promise<void>((r) => (release = r));
    for (let i = 0; i < 6; i++) device.send(frame(sink.address, i));
    await sink.waitFor(6);
    await until(() => link.status().downlinkQueued === 6);
    hub.dropLink(device.address);
    await until(() => !link.up);
    device.peripheral.handlers.onWrite = consume;
    release();
    await until(() => link.up);
    assert.ok(link.counters.connects >= 2);
    await until(() => got.length >= 6);
    // The message cut by the loss is sent again whole; the device got every one, in order.
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
    assert.equal(link.status().downlinkQueued, 0);
  });

  it('a stalled link times out its GATT write, hangs up and reconnects', async () => {
    const device = await startDevice();
    const got: number[] = [];
    device.on('message', (m: Uint8Array) => got.push(seqOf(decodeMessage(m).payload)));
    const { gateway, log } = await startGateway();
    await until(() => gateway.links.all()[0]?.up === true);
    const link = gateway.links.all()[0]!;
    hub.stall(device.address, true);
    device.send(frame(sink.address, 1)); // lost in the stalled air
    link.enqueueDown(encodeMessage(routedMessage(route(link.key, 'app'), route('api'), new Uint8Array([0, 0, 0, 9]))));
    await until(() => log.records.some((r) => r.message === 'ble write failed' && JSON.stringify(r.fields).includes('LINK_TIMEOUT')));
    await until(() => !link.up);
    hub.stall(device.address, false);
    await until(() => got.includes(9));
    assert.ok(link.up);
  });

  it('malformed fragments from one device are counted and dropped; another device is unaffected', async () => {
    const bad = await startDevice();
    const good = await startDevice();
    const { gateway } = await startGateway();
    await until(() => gateway.links.all().length === 2 && gateway.links.all().every((l) => l.up));
    const badLink = gateway.links.get(route(`ble:${bad.id}`).next())!;
    const goodLink = gateway.links.get(route(`ble:${good.id}`).next())!;
    bad.sendRaw(new Uint8Array([0x05, 1, 2, 3])); // not FIRST, nothing open: orphan
    bad.sendRaw(new Uint8Array([0x80, 0x40, 0x00, 1])); // FIRST announcing 16 KiB: oversize
    bad.sendRaw(new Uint8Array([0x80, 0x00, 0x50, 1, 2])); // FIRST of 80 bytes…
    bad.sendRaw(new Uint8Array([0x02, 3, 4])); // …then sequence 2: a gap
    bad.sendRaw(new Uint8Array([0xc0, 0x00, 0x03, 1, 2, 3])); // a whole 3-byte message: not a routed message
    bad.send(frame('tcp:198.51.100.1:1', 5)); // a forbidden upstream
    for (let i = 0; i < 3; i++) good.send(frame(sink.address, i, 400));
    await sink.waitFor(3);
    await until(() => (badLink.counters.drops.forbidden_upstream ?? 0) === 1);
    assert.deepEqual(badLink.status().linkDrops, { fragment_gap: 1, fragment_orphan: 1, oversize: 1, fragment_malformed: 0 });
    assert.equal(badLink.counters.drops.malformed, 1);
    assert.deepEqual(sink.received.map((m) => seqOf(m.payload)), [0, 1, 2]);
    assert.deepEqual(goodLink.counters.drops, {});
    assert.ok(badLink.up && goodLink.up, 'bad input costs frames, not the link');
  });

  it('survives connect failures and adapter power-off, and admits at most maxLinks devices', async () => {
    const a = await startDevice('c0:de:00:00:01:01');
    hub.failConnects(a.address, 2);
    const { gateway } = await startGateway({ maxLinks: 2 });
    await until(() => gateway.links.all()[0]?.up === true);
    const b = await startDevice('c0:de:00:00:01:02');
    const c = await startDevice('c0:de:00:00:01:03');
    await until(() => gateway.links.size === 2 && gateway.links.all().every((l) => l.up));
    await until(() => gateway.ble!.refusedForCapacity > 0);
    assert.ok([b.id, c.id].some((id) => !gateway.links.all().some((l) => l.key === `ble:${id}`)));
    hub.setPower(false);
    await until(() => gateway.links.all().every((l) => !l.up));
    assert.equal(gateway.ble!.adapterState, 'poweredOff');
    hub.setPower(true);
    await until(() => gateway.links.all().every((l) => l.up));
    a.send(frame(sink.address, 77));
    await sink.waitFor(1);
    assert.equal(seqOf(sink.received[0]!.payload), 77);
  });
});
