/**
 * A tampering gateway (the threat model's adversary on a hop): while it drops, flips bits,
 * replays, reorders and injects frames both ways, the cloud accepts no forgery and stores no
 * corrupted or duplicated reading, the device obeys nothing forged, and the channel, which none
 * of this can close, recovers once the tampering stops: every reading arrives, each once.
 */
import { strict as assert } from 'node:assert';
import { FORGED_INTERVAL_MS, FORGERY_KINDS } from '../forgeries.ts';
import { assertDelivered, channelAt, statusOf, waitCaughtUp, waitEstablished, waitFor, waitStored } from '../checks.ts';
import type { Scenario } from '../scenario.ts';
import { HONEST, type TamperCounters } from '../tamper.ts';

// Our limits.
/** Tamper at least this long, and until every attack happened both ways. */
const MIN_TAMPER_MS = 5_000;

const everyAttack = (c: TamperCounters) =>
  c.dropped > 0 && c.flipped > 0 && c.replayed > 0 && c.reordered > 0 && FORGERY_KINDS.every((k) => c.injected[k] > 0);

export const tamperingGateway: Scenario = {
  name: 'a tampering gateway: no forgery accepted, nothing corrupted or duplicated stored, the channel recovers',
  budgetMs: 75_000,
  async run(ctx) {
    // A short ACK timeout, so lost batches come again within the scenario.
    const rig = await ctx.rig({ devices: ['node-wire'], enroll: true, tamperHop: true, firmware: { ackTimeoutMs: 1_500 } });
    const d = rig.devices[0]!;
    const hop = rig.hop!;
    await waitEstablished(rig, d, ctx.ms(15_000));
    await waitStored(rig, d, 3, ctx.ms(5_000) + 4 * rig.intervalMs);
    const before = channelAt(rig, d)!;
    const intervalMs = (await statusOf(d)).intervalMs;
    const rates = { drop: 0.1 + 0.1 * ctx.dice.unit(), flip: 0.15 + 0.1 * ctx.dice.unit(), replay: 0.25, reorder: 0.25, inject: 0.5 };
    ctx.note(`rates ${JSON.stringify(rates)}`);
    const results = rig.cloud.commands.counters.results;
    const commandsBefore = rig.cloud.store.commands(d.identifier, 1)[0]?.id ?? 0;
    const started = Date.now();
    // Genuine downlink traffic beside the telemetry ACKs: a status command every interval, so
    // the hop has frames to attack both ways even where a lost ACK stalls a board for its
    // whole ACK timeout.
    const genuine: number[] = [];
    const asking = setInterval(() => genuine.push(rig.cloud.commands.queue(d.identifier, 'status', '{}').id), intervalMs);
    hop.rates = rates;
    try {
      await waitFor('every attack, both ways', () => Date.now() - started >= MIN_TAMPER_MS && everyAttack(hop.counters.up) && everyAttack(hop.counters.down), ctx.ms(40_000), () => hop.counters);
    } finally {
      hop.rates = HONEST;
      clearInterval(asking);
    }
    ctx.note(`tampered for ${Date.now() - started} ms, ${genuine.length} status commands: ${JSON.stringify(hop.counters)}`);

    // Recovery: everything the device produced arrives and is acknowledged, on the same channel.
    const s = await waitCaughtUp(rig, d, ctx.ms(30_000));
    const after = channelAt(rig, d)!;
    assert.equal(after.channel, before.channel, 'no attack closed the channel');
    assert.equal(s.handshakes, 1, 'no attack forced a new handshake');
    // The cloud's channel refused what was forged or replayed on it (AEAD and the replay window).
    assert.ok(after.rejected > before.rejected, `the cloud's channel rejected forgeries (${after.rejected})`);
    assertDelivered(rig, d, s, ctx.target.can.freshDevices);
    // Forged ACKs and commands sent around the channel moved nothing on the device.
    assert.notEqual(intervalMs, FORGED_INTERVAL_MS);
    assert.equal(s.intervalMs, intervalMs, 'no forged set-interval was obeyed');
    // And the channel works as before: new readings keep coming, untouched.
    const stored = rig.stored(d.identifier).count;
    await waitStored(rig, d, stored + 2, ctx.ms(5_000) + 3 * rig.intervalMs);
    assert.deepEqual(d.faults, []);
    // Results reached the cloud for the commands it sent only (ours, and a board target's own
    // status queries; those whose command or result the hop dropped wait out their result
    // timeout), each once, from the device itself.
    const sent = rig.cloud.store.commands(d.identifier, 100_000).filter((c) => c.id > commandsBefore);
    const done = sent.filter((c) => c.state === 'done');
    assert.ok(genuine.some((id) => rig.cloud.store.command(id)!.state === 'done'), 'some status commands got through the tampering');
    assert.equal(rig.cloud.commands.counters.results - results, done.length, 'one result per answered command, none forged');
    for (const c of done) assert.equal((JSON.parse(c.result!) as { id: string }).id, d.identifier);
  },
};
