/**
 * Who may have a channel: a factory-fresh device provisions its identity at first boot and is
 * let in once an operator enrolls the identifier it printed; a device nobody enrolled never
 * gets a channel or stores a reading, and a revoked one is shut out from then on.
 */
import { strict as assert } from 'node:assert';
import { assertSettled, sleep, waitEstablished, waitFor, waitStored } from '../checks.ts';
import type { Scenario } from '../scenario.ts';
import type { Rig } from '../target.ts';

/** The cloud refuses an identity it does not know after verifying it, at handshake message 3. */
const REFUSED = 'message 3 refused';
const refusals = (rig: Rig) => rig.cloud.dropped[REFUSED] ?? 0;

export const provisionAndEnroll: Scenario = {
  name: 'a factory-fresh device provisions at first boot and is let in once enrolled',
  budgetMs: 30_000,
  async run(ctx) {
    // The path to the cloud opens once the operator has enrolled the identifier the device printed.
    const rig = await ctx.rig({ devices: ['xs-wire'], enroll: false, tamperHop: true, hopStartsCut: true });
    const d = rig.devices[0]!;
    assert.match(d.identifier, /^I[0-9a-f]{40}$/);
    if (ctx.target.can.console) {
      assert.ok(d.lines.includes(`burrow: identifier ${d.identifier} (provisioned now: enroll it)`), 'it printed its new identifier for the operator');
    }
    assert.equal(rig.cloud.registry.activeDevice(d.identifier), undefined, 'not enrolled yet');
    const enrolled = rig.cloud.registry.enroll(d.identifier, { role: 'sensor' });
    if (ctx.target.can.freshDevices) assert.deepEqual(enrolled, { created: true });
    // A command queued before the device has a channel is sent when one opens.
    const early = rig.cloud.commands.queue(d.identifier, 'status', '{}').id;
    await sleep(ctx.dice.int(0, 1_000));
    rig.hop!.blackhole = false;
    const s = await waitEstablished(rig, d, ctx.ms(20_000));
    assert.equal(s.handshakes, 1);
    assert.deepEqual(rig.cloud.dropped, {}, 'an enrolled device is let in at its first handshake');
    await waitFor('the early command to finish', () => rig.cloud.store.command(early)?.state === 'done', ctx.ms(10_000), () => rig.cloud.store.command(early));
    assert.equal(JSON.parse(rig.cloud.store.command(early)!.result!).id, d.identifier);
    await waitStored(rig, d, 3, ctx.ms(10_000) + 4 * rig.intervalMs);
    await assertSettled(rig, d, ctx.ms(10_000), ctx.target.can.freshDevices);
  },
};

export const unenrolledRefused: Scenario = {
  name: 'an unenrolled device is refused, and a revoked one is shut out',
  budgetMs: 40_000,
  async run(ctx) {
    // Two devices on one gateway, only one enrolled before they reach the cloud (a board target
    // has one device: it plays both parts in turn).
    const rig = await ctx.rig({ devices: ['node-wire', 'node-wire'], enroll: false, tamperHop: true, hopStartsCut: true });
    const stranger = rig.devices[0]!;
    const member = rig.devices[1];
    // A board's readings of earlier scenarios are in its cloud's store already.
    const storedAtStart = rig.stored(stranger.identifier).count;
    if (member !== undefined) rig.cloud.registry.enroll(member.identifier, { role: 'sensor' });
    rig.hop!.blackhole = false;
    // The stranger tries: its message 3 is refused, and again when it resends it (after 3 s).
    await waitFor('a refusal', () => refusals(rig) >= 1, ctx.ms(15_000), () => rig.cloud.dropped);
    const first = refusals(rig);
    await waitFor('the resent message 3 refused too', () => refusals(rig) > first, ctx.ms(8_000), () => rig.cloud.dropped);
    assert.equal(rig.cloud.listener.channelOf(stranger.identifier), undefined, 'no channel for the stranger');
    assert.equal(rig.stored(stranger.identifier).count, storedAtStart, 'nothing stored for the stranger');
    assert.equal(rig.cloud.registry.activeDevice(stranger.identifier), undefined, 'trying did not enroll it');
    const strangerStatus = await stranger.status();
    if (strangerStatus !== undefined) assert.notEqual(strangerStatus.channel, 'established');
    assert.throws(() => rig.cloud.commands.queue(stranger.identifier, 'status', '{}'), /not an enrolled device/);

    const revoked = member ?? stranger;
    if (member === undefined) rig.cloud.registry.enroll(stranger.identifier, { role: 'sensor' });
    await waitEstablished(rig, revoked, ctx.ms(20_000));
    await waitStored(rig, revoked, 2, ctx.ms(5_000) + 3 * rig.intervalMs);
    // Revocation closes the live channel at once, telling the device.
    const before = refusals(rig);
    assert.deepEqual(rig.cloud.revoke(revoked.identifier), { revoked: true, closed: true });
    const storedAtRevocation = rig.stored(revoked.identifier).count;
    assert.equal(rig.cloud.listener.channelOf(revoked.identifier), undefined);
    // It tries again, as a device does after its channel closed, and is refused; nothing more is stored.
    await waitFor('the revoked device to be refused', () => refusals(rig) > before, ctx.ms(15_000), () => rig.cloud.dropped);
    await sleep(2 * rig.intervalMs);
    assert.equal(rig.stored(revoked.identifier).count, storedAtRevocation, 'no reading stored after revocation');
    assert.equal(rig.cloud.listener.channelOf(revoked.identifier), undefined);
    const after = await revoked.status();
    if (after !== undefined) assert.notEqual(after.channel, 'established');
  },
};
