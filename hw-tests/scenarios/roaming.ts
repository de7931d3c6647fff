/**
 * Roaming (design.md): a channel belongs to its identities and keys, not to a link. A device
 * whose cable moves to another gateway keeps its channel: the cloud learns the new return route
 * from the next authenticated message, with no handshake (seconds of CPU on an ESP32), and
 * back again.
 */
import { strict as assert } from 'node:assert';
import { assertSettled, channelAt, statusOf, waitEstablished, waitFor, waitStored } from '../checks.ts';
import type { Scenario } from '../scenario.ts';

export const roaming: Scenario = {
  name: 'a device roams to another gateway and back, keeping its channel without a handshake',
  budgetMs: 40_000,
  async run(ctx) {
    // A batch in flight when the cable moves loses its ACK; a short ACK timeout resends it soon.
    const rig = await ctx.rig({ devices: ['xs-wire'], enroll: true, secondGateway: true, firmware: { ackTimeoutMs: 2_000 } });
    const d = rig.devices[0]!;
    await waitEstablished(rig, d, ctx.ms(20_000));
    await waitStored(rig, d, 2, ctx.ms(5_000) + 3 * rig.intervalMs);
    const first = channelAt(rig, d)!;
    const gateways = new Set([rig.gateway.config.name]);
    let previous = first;
    for (const leg of ['there', 'back']) {
      const storedBefore = rig.stored(d.identifier).count;
      await rig.roam(d);
      await waitFor(`${leg}: the cloud follows the device to its new route`, () => {
        const now = channelAt(rig, d);
        return now !== undefined && now.roams > previous.roams && now.route !== previous.route;
      }, ctx.ms(20_000), () => channelAt(rig, d));
      await waitStored(rig, d, storedBefore + 2, ctx.ms(10_000) + 3 * rig.intervalMs);
      const now = channelAt(rig, d)!;
      ctx.note(`${leg}: ${previous.route} -> ${now.route}`);
      assert.equal(now.channel, first.channel, `${leg}: the same channel`);
      assert.equal((await statusOf(d)).handshakes, 1, `${leg}: no new handshake on the device`);
      // The gateway the device is on now carried its traffic.
      const link = rig.gateway.links.all().find((l) => l.key === d.linkKey);
      assert.ok(link !== undefined && link.up && link.counters.framesUp > 0, `${leg}: ${rig.gateway.config.name} carries the device`);
      gateways.add(rig.gateway.config.name);
      previous = now;
    }
    assert.equal(gateways.size, 2, 'two gateways carried the device');
    await assertSettled(rig, d, ctx.ms(15_000), ctx.target.can.freshDevices);
  },
};
