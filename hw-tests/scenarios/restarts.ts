/**
 * Restarts of the parts in the middle and at the end. A gateway holds no channel state, so its
 * restart costs the devices no handshake: the cloud follows them to the new connection. The
 * cloud holds the channels in memory and its store on disk, so after its restart every device
 * handshakes again and nothing stored or acknowledged is lost or stored twice.
 */
import { strict as assert } from 'node:assert';
import { assertDelivered, assertSettled, channelAt, sleep, waitCaughtUp, waitEstablished, waitFor, waitStored } from '../checks.ts';
import type { Scenario } from '../scenario.ts';

export const gatewayRestart: Scenario = {
  name: 'gateway restart: channels carry on without a handshake, a command queued meanwhile arrives',
  budgetMs: 40_000,
  async run(ctx) {
    const rig = await ctx.rig({ devices: ['node-wire', 'xs-ble'], enroll: true, firmware: { ackTimeoutMs: 2_000 } });
    const before = new Map<string, { channel: string; roams: number }>();
    for (const d of rig.devices) {
      await waitEstablished(rig, d, ctx.ms(20_000));
      await waitStored(rig, d, 2, ctx.ms(5_000) + 3 * rig.intervalMs);
      before.set(d.identifier, channelAt(rig, d)!);
    }
    const downMs = ctx.dice.int(500, 2_500);
    ctx.note(`gateway down for ${downMs} ms`);
    const restarting = rig.restartGateway(downMs);
    // While the gateway is down, the operator sends a command to the first device.
    await sleep(Math.min(200, downMs / 2));
    const d0 = rig.devices[0]!;
    const queued = rig.cloud.commands.queue(d0.identifier, 'status', '{}').id;
    await restarting;
    for (const d of rig.devices) {
      // The cloud learns the new way back from the device's next message (a roam to the new connection).
      await waitFor(`${d.name}: back through the new gateway`, () => (channelAt(rig, d)?.roams ?? 0) > before.get(d.identifier)!.roams, ctx.ms(20_000), () => channelAt(rig, d));
      const s = await waitCaughtUp(rig, d, ctx.ms(20_000));
      assert.equal(channelAt(rig, d)!.channel, before.get(d.identifier)!.channel, `${d.name}: the same channel`);
      assert.equal(s.handshakes, 1, `${d.name}: no new handshake`);
      assertDelivered(rig, d, s, ctx.target.can.freshDevices);
    }
    await waitFor('the command queued during the restart to finish', () => rig.cloud.store.command(queued)?.state === 'done', ctx.ms(15_000), () => rig.cloud.store.command(queued));
  },
};

export const cloudRestart: Scenario = {
  name: 'cloud restart: devices handshake again, nothing stored is lost or stored twice',
  budgetMs: 40_000,
  async run(ctx) {
    const rig = await ctx.rig({ devices: ['node-wire'], enroll: true });
    const d = rig.devices[0]!;
    await waitEstablished(rig, d, ctx.ms(20_000));
    await waitStored(rig, d, 3, ctx.ms(5_000) + 4 * rig.intervalMs);
    const channel = channelAt(rig, d)!.channel;
    const downMs = ctx.dice.int(300, 2_500);
    ctx.note(`cloud down for ${downMs} ms`);
    await rig.restartCloud(downMs);
    // The registry and the readings are on disk.
    assert.ok(rig.cloud.store.device(d.identifier) !== undefined, 'still enrolled');
    const kept = rig.stored(d.identifier).count;
    assert.ok(kept >= 3, 'readings stored before the restart are still there');
    const s = await waitEstablished(rig, d, ctx.ms(25_000));
    assert.notEqual(channelAt(rig, d)!.channel, channel, 'a new channel: channels live in the service, not on disk');
    assert.equal(s.handshakes, 2);
    await waitStored(rig, d, kept + 3, ctx.ms(5_000) + 4 * rig.intervalMs);
    await assertSettled(rig, d, ctx.ms(15_000), ctx.target.can.freshDevices);
  },
};
