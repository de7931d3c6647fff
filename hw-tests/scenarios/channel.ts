/**
 * The path working as a user meets it: every link kind handshakes end to end through the
 * gateway and streams telemetry the cloud acknowledges; downlink commands reach the device and
 * their outcomes come back to the cloud.
 */
import { strict as assert } from 'node:assert';
import type { CommandRecord } from '../../cloud/storage/store.ts';
import { assertDelivered, assertSettled, channelAt, waitCaughtUp, waitEstablished, waitFor, waitStored } from '../checks.ts';
import type { Scenario } from '../scenario.ts';
import type { Rig, RigDevice } from '../target.ts';

export const handshakeAndTelemetry: Scenario = {
  name: 'handshake and telemetry with acknowledgements, on every link (XS over BLE and a pty, Node over a cable)',
  budgetMs: 40_000,
  async run(ctx) {
    const rig = await ctx.rig({ devices: ['xs-ble', 'xs-ble', 'xs-serial', 'node-wire'], enroll: true });
    const fresh = ctx.target.can.freshDevices;
    await Promise.all(rig.devices.map(async (d) => {
      const s = await waitEstablished(rig, d, ctx.ms(20_000));
      assert.equal(s.handshakes, 1, `${d.name}: one handshake`);
      // The channel runs over the gateway: the cloud answers through the device's own link.
      const channel = channelAt(rig, d)!;
      assert.match(channel.route, /^tcp:#\d+ => /);
      assert.ok(channel.route.includes(d.linkKey), `${d.name}: route ${channel.route} goes through ${d.linkKey}`);
      await waitStored(rig, d, 5, ctx.ms(10_000) + 8 * rig.intervalMs);
      const caught = await waitCaughtUp(rig, d, ctx.ms(10_000) + 3 * rig.intervalMs);
      assert.ok(caught.acknowledged >= 5, `${d.name}: ${caught.acknowledged} readings acknowledged`);
      assert.equal(caught.buffered, 0, `${d.name}: nothing left unacknowledged once caught up`);
      assertDelivered(rig, d, caught, fresh);
      assert.deepEqual(d.faults, []);
    }));
    // Every device has its own channel, and a clean run drops nothing anywhere on the way.
    assert.equal(new Set(rig.devices.map((d) => channelAt(rig, d)!.channel)).size, rig.devices.length);
    assert.deepEqual(rig.cloud.dropped, {}, 'the cloud dropped nothing');
    for (const link of rig.gateway.links.all()) {
      assert.ok(link.counters.framesUp > 0, `${link.key} carried frames`);
      assert.deepEqual(link.counters.drops, {}, `${link.key} dropped nothing`);
    }
  },
};

/** Waits for each command's outcome in the cloud's store. */
async function outcomes(rig: Rig, d: RigDevice, ids: readonly number[], timeoutMs: number): Promise<CommandRecord[]> {
  const finished = () => ids.map((id) => rig.cloud.store.command(id)!);
  await waitFor(`${d.name}: outcomes of commands ${ids.join(', ')}`, () => finished().every((c) => c.state === 'done' || c.state === 'failed'), timeoutMs, () => finished().map((c) => c.state));
  return finished();
}

export const downlinkCommands: Scenario = {
  name: 'downlink commands are applied and their outcomes reported to the cloud',
  budgetMs: 30_000,
  async run(ctx) {
    const ledPin = 2;
    const rig = await ctx.rig({ devices: ['xs-wire'], enroll: true, firmware: { ledPin } });
    const d = rig.devices[0]!;
    await waitEstablished(rig, d, ctx.ms(20_000));
    // A board keeps a set interval (NVS): give it back the one it has.
    const intervalMs = ctx.target.can.firmwareSettings ? 1_500 : rig.intervalMs;
    const results = rig.cloud.commands.counters.results;
    const queue = (name: string, args: unknown) => rig.cloud.commands.queue(d.identifier, name, JSON.stringify(args)).id;
    const ids = [queue('set-interval', { ms: intervalMs }), queue('identify', { blinks: 2 }), queue('status', {}), queue('set-interval', { ms: 1 })];
    const [interval, identify, status, refused] = await outcomes(rig, d, ids, ctx.ms(10_000));
    assert.deepEqual([interval, identify, status, refused].map((c) => c!.state), ['done', 'done', 'done', 'failed']);
    assert.ok(refused!.result!.length > 0, 'a refused command says why');
    const report = JSON.parse(status!.result!) as Record<string, unknown>;
    assert.equal(report['id'], d.identifier, 'the status came from the device itself');
    assert.equal(report['channel'], 'established');
    assert.equal(report['intervalMs'], intervalMs, 'set-interval took effect before status ran');
    if (ctx.target.can.gpio) {
      // Two blinks: on, off, on, off (after the LED's initial off at boot).
      await waitFor('two blinks on the LED', () => d.gpio.filter((g) => g.pin === ledPin).length >= 5, ctx.ms(5_000));
      assert.deepEqual(d.gpio.filter((g) => g.pin === ledPin).map((g) => g.value), [0, 1, 0, 1, 0]);
    }
    // Readings now come at the new interval (device uptime between consecutive readings).
    const from = rig.stored(d.identifier).maxSeq + 1;
    await waitFor(`${d.name}: four readings from seq ${from} on stored`, () => rig.stored(d.identifier).maxSeq >= from + 3, 6 * intervalMs + ctx.ms(5_000), () => rig.stored(d.identifier));
    const uptimes = rig.cloud.store.readings({ device: d.identifier, limit: 100_000 }).filter((r) => r.seq > from).map((r) => r.uptimeMs);
    for (let i = 1; i < uptimes.length; i++) assert.ok(Math.abs(uptimes[i]! - uptimes[i - 1]! - intervalMs) <= 100, `readings ${uptimes.join(', ')} every ${intervalMs} ms`);
    // Each outcome came back once.
    assert.equal(rig.cloud.commands.counters.results - results, 4);
    await assertSettled(rig, d, ctx.ms(10_000), ctx.target.can.freshDevices);
  },
};
