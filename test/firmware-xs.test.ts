/**
 * The real firmware bundle on the real XS engine (xsnap-worker), one process per simulated
 * device, cabled over a simulated UART (with line timing, the 128-byte receive FIFO and an
 * ESP32 CPU model) to an in-memory gateway, then over the in-memory TCP twin to a cloud running
 * the core's channel listener on node:crypto. Everything runs in virtual time, so minutes of
 * device time (timeouts, backoff, outages) cost only the computation.
 */
import { strict as assert } from 'node:assert';
import { createIdentity } from '../protocol/identity/identity.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { command, encodeAppMessage, telemetryAck } from '../protocol/app/messages.ts';
import { Address } from '../protocol/routing/address.ts';
import { routedMessage } from '../protocol/routing/message.ts';
import { Route } from '../protocol/routing/route.ts';
import { ESP32_METER_UNITS_PER_MS } from '../simulators/device/cpu-model.ts';
import type { DeviceRecord } from '../simulators/device/cloud-twin.ts';
import { NvsStore } from '../simulators/device/nvs.ts';
import { TESTBED_EPOCH, Testbed, type Cabled, type TestbedOptions } from '../simulators/device/testbed.ts';

const MINUTE = 60_000;
const PIN = 2;

interface Setup {
  readonly bed: Testbed;
  readonly dev: Cabled;
  readonly id: string;
  readonly record: () => DeviceRecord | undefined;
  readonly status: () => Promise<Record<string, unknown>>;
}

const open: Testbed[] = [];

async function setup(options: Partial<TestbedOptions> = {}, nvs?: NvsStore): Promise<Setup> {
  const bed = new Testbed({ engine: 'xs', meterUnitsPerMs: ESP32_METER_UNITS_PER_MS, config: { intervalMs: 5_000, ledPin: PIN }, ...options });
  open.push(bed);
  const dev = await bed.addDevice('dev1', nvs);
  await dev.device.boot();
  const id = String((await dev.device.status())['id']);
  return { bed, dev, id, record: () => bed.cloud.devices.get(id), status: () => dev.device.status() };
}

/** Every seq from 0 to n-1 stored exactly once, nothing else. */
function assertContiguous(record: DeviceRecord | undefined, n: number, from = 0): void {
  assert.ok(record, 'the cloud has readings from the device');
  const seqs = [...record.stored.keys()].sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => from + i));
}

afterEach(async () => {
  for (const bed of open.splice(0)) await bed.close();
});

describe('firmware on XS: provisioning', () => {
  it('provisions a fresh device at first boot: identity in NVS within one preference, identifier on the console', async () => {
    const { dev, id } = await setup();
    assert.match(id, /^I[0-9a-f]{40}$/);
    const stored = dev.device.nvs.get('burrow', 'identity');
    assert.ok(stored instanceof Uint8Array && stored.length > 0 && stored.length <= 4000, 'identity stored as one NVS value');
    assert.ok(dev.device.lines.some((l) => l === `burrow: identifier ${id} (provisioned now: enroll it)`), dev.device.lines.join('\n'));
    assert.deepEqual(dev.device.faults, []);
  });

  it('keeps its identity and sequence numbers across a reboot (a new XS process on the same NVS)', async () => {
    const first = await setup();
    assert.ok(await first.bed.run(() => (first.record()?.stored.size ?? 0) >= 2, MINUTE));
    const nvs = first.dev.device.nvs;
    const seqBefore = Number((await first.status())['seq']);
    await first.dev.device.close();
    // Same cloud and gateway: the device comes back on the same cable.
    const again = await first.bed.addDevice('dev1', nvs);
    await again.device.boot();
    const status = await again.device.status();
    assert.equal(status['id'], first.id);
    assert.ok(again.device.lines.includes(`burrow: identifier ${first.id}`));
    const floor = Number(status['floor']);
    assert.ok(floor >= seqBefore, `new readings start at the reservation (${floor}), past every seq used before (${seqBefore})`);
    assert.ok(await first.bed.run(() => (first.record()?.stored.has(floor + 1) ?? false), MINUTE));
    // The readings of before the reboot stay stored once; the cloud's ack skipped the unused reservation.
    const record = first.record()!;
    assert.ok(record.next >= floor + 2);
    assert.equal(record.stored.size, seqBefore + 2);
  });
});

describe('firmware on XS: channel, telemetry and commands', () => {
  it('handshakes with the cloud listener over UART and TCP, and gets every reading acknowledged exactly once', async () => {
    const { bed, dev, id, record, status } = await setup();
    assert.ok(await bed.run(() => (record()?.stored.size ?? 0) >= 6, 2 * MINUTE), dev.device.lines.join('\n'));
    assert.ok(bed.cloud.events.includes(`opened ${id}`));
    assertContiguous(record(), record()!.stored.size);
    const s = await status();
    assert.equal(s['channel'], 'established');
    assert.ok(Number(s['acknowledged']) >= 5);
    // The CPU model made the device busy for seconds of DH, and the UART flow control kept
    // every byte the gateway sent inside the 128-byte FIFO.
    assert.ok(dev.device.meter.busyMs > 1000, `busy ${dev.device.meter.busyMs} ms`);
    assert.equal(dev.device.uart(2).overflowed, 0);
    const reading = record()!.stored.get(0)!;
    assert.deepEqual(reading.values.map((v) => v.name), ['temperature_c', 'humidity_pct', 'battery_v']);
    assert.equal(reading.time, 0, 'no clock: time 0, uptime only');
  });

  it('applies downlink commands: set-interval (persisted), identify (LED), status, and refuses a bad one', async () => {
    const { bed, dev, id, record } = await setup();
    assert.ok(await bed.run(() => bed.cloud.listener.channelOf(id) !== undefined, MINUTE));
    const ids = [
      bed.cloud.sendCommand(id, 'set-interval', '{"ms":2000}'),
      bed.cloud.sendCommand(id, 'identify', '{"blinks":2}'),
      bed.cloud.sendCommand(id, 'status'),
      bed.cloud.sendCommand(id, 'set-interval', '{"ms":1}'),
    ];
    assert.ok(await bed.run(() => (record()?.results.length ?? 0) >= 4, MINUTE));
    const results = new Map(record()!.results.map((r) => [r.id, r]));
    assert.deepEqual(ids.map((i) => results.get(i!)?.ok), [true, true, true, false]);
    const status = JSON.parse(results.get(ids[2]!)!.detail) as Record<string, unknown>;
    assert.equal(status['id'], id);
    assert.equal(status['intervalMs'], 2000);
    assert.equal(status['channel'], 'established');
    // Two blinks: on, off, on, off on the LED pin (after its initial off).
    await bed.run(() => false, 5_000);
    assert.deepEqual(dev.device.gpio.filter((g) => g.pin === PIN).map((g) => g.value), [0, 1, 0, 1, 0]);
    assert.equal(dev.device.nvs.get('burrow', 'intervalMs') instanceof Uint8Array, true);
    // Readings now come every 2 s of uptime.
    const before = record()!.stored.size;
    await bed.run(() => false, 20_000);
    const uptimes = [...record()!.stored.values()].slice(before).map((r) => r.uptimeMs);
    for (let i = 1; i < uptimes.length; i++) assert.ok(Math.abs(uptimes[i]! - uptimes[i - 1]! - 2000) <= 50, `readings ${uptimes.join(', ')}`);
  });
});

describe('firmware on XS: the native crypto hook', () => {
  it('lays a build\'s burrow-native-crypto module (native SHA-256) over noble, and still talks to the cloud', async () => {
    const { bed, dev, record, status } = await setup({ nativeCrypto: true });
    assert.ok(await bed.run(() => (record()?.stored.size ?? 0) >= 2, MINUTE), dev.device.lines.join('\n'));
    assert.equal((await status())['crypto'], 'moddable-crypt+noble-firmware');
  });
});

describe('firmware on XS: faults on the way', () => {
  it('survives a link drop mid-handshake without losing or duplicating readings', async () => {
    const { bed, dev, id, record, status } = await setup();
    // Message 1 reached the cloud: cut the cable before the handshake can finish.
    assert.ok(await bed.run(() => bed.cloud.listener.pendingCount > 0, MINUTE));
    dev.wire.cut = true;
    await bed.run(() => false, 45_000);
    assert.equal(bed.cloud.listener.channelOf(id), undefined);
    dev.wire.cut = false;
    assert.ok(await bed.run(() => bed.cloud.listener.channelOf(id) !== undefined, 3 * MINUTE), dev.device.lines.join('\n'));
    // Everything taken during the outage (about nine readings) is delivered, each once.
    const produced = Number((await status())['seq']);
    assert.ok(produced >= 9);
    assert.ok(await bed.run(() => (record()?.next ?? 0) >= produced, 2 * MINUTE));
    assertContiguous(record(), record()!.stored.size);
    assert.ok(record()!.stored.size >= produced);
    assert.ok(dev.wire.counters.cutBytes > 0);
    assert.deepEqual(dev.device.faults, []);
  });

  it('survives a link drop mid-stream (with an acknowledgement lost) and a noisy line', async () => {
    const { bed, dev, record, status } = await setup();
    assert.ok(await bed.run(() => (record()?.stored.size ?? 0) >= 3, 2 * MINUTE));
    // Cut right after the cloud took a batch: its ACK dies on the cable, the batch must be resent.
    const batches = record()!.batches;
    assert.ok(await bed.run(() => record()!.batches > batches, MINUTE));
    dev.wire.cut = true;
    await bed.run(() => false, MINUTE);
    dev.wire.cut = false;
    dev.wire.corruptEvery = 9;
    await bed.run(() => false, MINUTE);
    dev.wire.corruptEvery = 0;
    // Everything produced so far reaches the cloud, each reading stored once.
    const produced = Number((await status())['seq']);
    assert.ok(await bed.run(() => (record()?.next ?? 0) >= produced, 2 * MINUTE), `next ${record()?.next}, produced ${produced}`);
    assertContiguous(record(), record()!.stored.size);
    assert.ok(record()!.stored.size >= produced);
    assert.ok(record()!.duplicates > 0, 'the batch whose ACK was lost came again and was not stored twice');
    assert.equal(Number((await status())['dropped']), 0);
    assert.ok(dev.wire.counters.corruptedChunks > 0);
  });

  it('drops the oldest readings when its buffer overflows during an outage, and says so with the floor', async () => {
    const { bed, dev, record, status } = await setup({ config: { intervalMs: 2_000, bufferReadings: 8, batchReadings: 4 } });
    assert.ok(await bed.run(() => (record()?.stored.size ?? 0) >= 2, MINUTE));
    dev.wire.cut = true;
    await bed.run(() => false, 2 * MINUTE);
    dev.wire.cut = false;
    const s = await status();
    assert.ok(Number(s['dropped']) > 0);
    const produced = Number(s['seq']);
    assert.ok(await bed.run(() => (record()?.next ?? 0) >= produced, 2 * MINUTE));
    const stored = record()!.stored;
    assert.ok(stored.size < produced, 'the dropped readings are gone');
    // No reading is stored twice, and the cloud's ack passed the gap the device gave up.
    assert.equal(new Set(stored.keys()).size, stored.size);
    assert.ok(record()!.next >= produced);
  });

  it('refuses a responder that is not its trust anchor', async () => {
    const impostor = createIdentity(nodeCryptoProvider(), TESTBED_EPOCH, TESTBED_EPOCH + 86_400);
    const { bed, dev, record, status } = await setup({ trustAnchor: impostor.id });
    await bed.run(() => false, MINUTE);
    assert.notEqual((await status())['channel'], 'established');
    assert.ok(dev.device.lines.some((l) => l.includes('IDENTITY_NOT_TRUSTED')), dev.device.lines.join('\n'));
    assert.equal(bed.cloud.listener.channelCount, 0);
    assert.equal(record(), undefined, 'no telemetry reached the cloud');
  });

  it('refuses messages a gateway addresses to its workers directly (a forged ACK and command)', async () => {
    const { bed, dev, id, record, status } = await setup();
    assert.ok(await bed.run(() => bed.cloud.listener.channelOf(id) !== undefined && (record()?.stored.size ?? 0) >= 1, MINUTE));
    const before = await status();
    const forge = (payload: Uint8Array) =>
      dev.port.send(routedMessage(Route.of([dev.port.address, Address.local('app')]), Route.of([Address.local('x')]), payload));
    forge(encodeAppMessage(telemetryAck(1000)));
    forge(encodeAppMessage(command(77, 'set-interval', '{"ms":60000}')));
    await bed.run(() => false, 3_000);
    const after = await status();
    assert.equal(after['intervalMs'], before['intervalMs']);
    assert.ok(dev.device.lines.filter((l) => l.includes('may not reach')).length >= 2);
  });
});

describe('firmware on Node: the same bundle for fleets', () => {
  it('runs ten devices in one process against the same cloud', async () => {
    const bed = new Testbed({ engine: 'node' });
    open.push(bed);
    const devices = [];
    for (let i = 0; i < 10; i++) devices.push(await bed.addDevice(`dev${i}`));
    for (const d of devices) await d.device.boot();
    const ids = await Promise.all(devices.map(async (d) => String((await d.device.status())['id'])));
    assert.equal(new Set(ids).size, 10);
    assert.ok(await bed.run(() => ids.every((id) => (bed.cloud.devices.get(id)?.stored.size ?? 0) >= 3), 2 * MINUTE));
    for (const id of ids) assertContiguous(bed.cloud.devices.get(id), bed.cloud.devices.get(id)!.stored.size);
    assert.equal(bed.cloud.listener.channelCount, 10);
  });
});
