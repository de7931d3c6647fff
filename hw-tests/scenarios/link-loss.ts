/**
 * Link loss at the two worst moments: between the handshake's messages (the cloud holds a
 * half-open handshake, the device waits for message 2), and mid-stream just as an
 * acknowledgement is on its way (the cloud stored a batch the device does not know is stored).
 * The hop watches the frames so the cut falls on the chosen one, whatever the timing.
 */
import { strict as assert } from 'node:assert';
import { decodeMessage } from '../../protocol/routing/codec.ts';
import { EnvelopeKind } from '../../protocol/secure-channel/envelope.ts';
import { assertExactlyOnce, assertGenuine, assertSettled, channelAt, sleep, waitCaughtUp, waitEstablished, waitFor, waitStored } from '../checks.ts';
import type { Scenario } from '../scenario.ts';
import type { Direction } from '../tamper.ts';

/** The channel envelope kind of a frame (its payload's first byte), or undefined. */
function envelopeOf(frame: Uint8Array): number | undefined {
  try {
    return decodeMessage(frame).payload[0];
  } catch {
    return undefined;
  }
}

export const linkLossMidHandshake: Scenario = {
  name: 'link loss mid-handshake: message 2 is lost, the handshake completes after the link is back',
  budgetMs: 45_000,
  async run(ctx) {
    // The hop starts cut, so no handshake can finish before the trap below is set.
    const rig = await ctx.rig({ devices: ['xs-wire'], enroll: true, tamperHop: true, hopStartsCut: true });
    const d = rig.devices[0]!;
    const hop = rig.hop!;
    let cutAt = 0;
    let pendingAtCut = 0;
    hop.observe = (direction: Direction, frame: Uint8Array) => {
      if (cutAt !== 0 || direction !== 'down' || envelopeOf(frame) !== EnvelopeKind.MESSAGE2) return;
      // Message 2 is on its way to the device: the device link dies under it.
      d.cut(ctx.dice.chance(0.5) ? 'line' : 'port');
      cutAt = Date.now();
      pendingAtCut = rig.cloud.listener.pendingCount;
    };
    await sleep(ctx.dice.int(0, 500));
    hop.blackhole = false;
    await waitFor('message 2 on its way', () => cutAt !== 0, ctx.ms(15_000), () => hop.counters);
    ctx.note(`cut at message 2, ${hop.counters.up.frames} frames up so far`);
    assert.ok(pendingAtCut >= 1, 'the cloud held a half-open handshake');
    const outage = ctx.dice.int(1_500, 5_000);
    await sleep(outage);
    assert.equal(rig.cloud.listener.channelOf(d.identifier), undefined, 'no channel while the link is down');
    const during = await d.status();
    if (during !== undefined) assert.notEqual(during.channel, 'established');
    await d.restore();
    ctx.note(`restored after ${outage} ms`);
    const s = await waitEstablished(rig, d, ctx.ms(35_000));
    assert.equal(s.handshakes, 1, 'one channel: the attempt that lost message 2 never completed');
    // Readings taken while the device had no channel were kept and now arrive, each once.
    await waitStored(rig, d, 3, ctx.ms(5_000) + 3 * rig.intervalMs);
    await assertSettled(rig, d, ctx.ms(15_000), ctx.target.can.freshDevices);
  },
};

export const linkLossMidStream: Scenario = {
  name: 'link loss mid-stream: an acknowledgement is lost, the batch comes again and is stored once',
  budgetMs: 45_000,
  async run(ctx) {
    const rig = await ctx.rig({ devices: ['node-wire'], enroll: true, tamperHop: true, firmware: { ackTimeoutMs: 2_000 } });
    const d = rig.devices[0]!;
    const hop = rig.hop!;
    await waitEstablished(rig, d, ctx.ms(15_000));
    await waitStored(rig, d, 3, ctx.ms(5_000) + 4 * rig.intervalMs);
    const channel = channelAt(rig, d)!;
    for (const how of ['line', 'port'] as const) {
      const duplicates = rig.cloud.telemetry.counters.duplicates;
      const storedBefore = rig.stored(d.identifier).count;
      let cut = false;
      // Telemetry goes up, its ACK comes down: cut as the next ACK passes the hop.
      const batchesUp = hop.counters.up.frames;
      hop.observe = (direction) => {
        if (cut || direction !== 'down' || hop.counters.up.frames === batchesUp) return;
        d.cut(how);
        cut = true;
      };
      await waitFor(`an acknowledgement to cut (${how})`, () => cut, ctx.ms(10_000));
      hop.observe = undefined;
      const outage = ctx.dice.int(2_500, 6_000);
      ctx.note(`${how} cut for ${outage} ms`);
      await sleep(outage);
      await d.restore();
      const s = await waitCaughtUp(rig, d, ctx.ms(25_000));
      assert.ok(rig.stored(d.identifier).count > storedBefore);
      assert.ok(rig.cloud.telemetry.counters.duplicates > duplicates, `${how}: the batch whose ACK was lost came again and was not stored twice`);
      assertExactlyOnce(rig, d, s, ctx.target.can.freshDevices);
      // A link loss shorter than the keepalive costs no handshake: the channel carried on.
      assert.equal(s.handshakes, 1);
      assert.equal(channelAt(rig, d)?.channel, channel.channel);
    }
    assertGenuine(rig, d);
  },
};
