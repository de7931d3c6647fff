/**
 * Secure-channel workers on routers (listener.ts, initiator.ts, channel-end.ts): device ->
 * gateway -> cloud over the in-memory network, with a simulated clock. Handshake and messages
 * through services both ways; loss, duplication, reordering and corruption on every hop;
 * roaming to another gateway without a new handshake; refusal of unenrolled devices; keepalive
 * that notices a cloud that lost the channel; close.
 */
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { utf8Decode, utf8Encode } from '../protocol/bytes.ts';
import { Address } from '../protocol/routing/address.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { Route, route } from '../protocol/routing/route.ts';
import { seededRandom } from '../simulators/xs/random.ts';
import { Fleet } from './support/channel-fleet.ts';

const provider = nodeCryptoProvider();

/** What a tampering hop can do: point a message's return route at a decryptor that does not exist. */
const toAnotherRecipient = (m: RoutedMessage): RoutedMessage => ({ ...m, returnRoute: Route.of([...m.returnRoute.addresses.slice(0, -1), Address.local('sc.0000000000000000')]) });
const text = (b: Uint8Array) => utf8Decode(b);

describe('secure-channel workers', () => {
  it('establishes device -> gateway -> cloud and carries messages to services and back', () => {
    const fleet = new Fleet({ provider });
    const gw = fleet.gateway('gw1');
    const device = fleet.device('d1', gw);
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(500, [device]);
    assert.equal(device.initiator.state, 'established');
    assert.equal(device.initiator.peer?.id, fleet.cloud.id);
    assert.equal(fleet.listener.channelOf(device.identity.id)?.identifier, device.identity.id);

    for (let i = 0; i < 5; i++) device.send('echo', utf8Encode(`hello ${i}`));
    fleet.run(500, [device]);
    assert.deepEqual(fleet.echoed.map((e) => [e.from, text(e.payload)]), [0, 1, 2, 3, 4].map((i) => [device.identity.id, `hello ${i}`]));
    assert.deepEqual(device.received.map((m) => text(m.payload)), [0, 1, 2, 3, 4].map((i) => `hello ${i}`));
    // The reply came through the channel: its return route starts at the device's encryptor.
    assert.ok(device.received[0]!.returnRoute.next().equals(device.initiator.encryptor));
  });

  it('completes handshakes and delivers each message at most once under seeded faults on every hop', () => {
    const seed = 20261122;
    const fleet = new Fleet({ provider, random: seededRandom(seed), faults: { drop: 0.2, duplicate: 0.2, reorder: 0.3, corrupt: 0.1 } });
    const gw = fleet.gateway('gw1');
    const devices = [0, 1, 2].map((i) => fleet.device(`d${i}`, gw));
    for (const d of devices) d.open(fleet.cloud, fleet.clock, { random: seededRandom(seed + 1) }).start();
    fleet.run(120_000, devices, 250);
    for (const d of devices) assert.equal(d.initiator.state, 'established', `seed ${seed}: ${d.name} established`);
    for (const [k, d] of devices.entries()) for (let i = 0; i < 40; i++) d.send('echo', utf8Encode(`${k}:${i}`));
    fleet.run(10_000, devices, 250);
    const seen = fleet.echoed.map((e) => `${e.from}/${text(e.payload)}`);
    assert.equal(new Set(seen).size, seen.length, `seed ${seed}: no message delivered twice`);
    for (const e of fleet.echoed) {
      const [k] = text(e.payload).split(':');
      assert.equal(e.from, devices[Number(k)]!.identity.id, 'every delivery is attributed to its sender');
    }
    assert.ok(seen.length > 40, `seed ${seed}: most messages arrive (${seen.length} of 120)`);
    assert.ok(fleet.network.counters.corrupted > 0 && fleet.network.counters.duplicated > 0, 'faults were injected');
  });

  it('refuses an unenrolled device and lets it retry with backoff', () => {
    const fleet = new Fleet({ provider });
    const device = fleet.device('rogue', fleet.gateway('gw1'), false);
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(60_000, [device]);
    assert.notEqual(device.initiator.state, 'established');
    assert.equal(fleet.listener.channelCount, 0);
    assert.ok(fleet.dropped.some((r) => r === 'not authorized: not enrolled'));
    const attempts = device.initiator.stats.attempts;
    assert.ok(attempts >= 2 && attempts <= 6, `retries back off (${attempts} attempts in 60 s)`);
  });

  it('follows a device that roams to another gateway without a new handshake', () => {
    const fleet = new Fleet({ provider });
    const [a, b] = [fleet.gateway('gwA'), fleet.gateway('gwB')];
    const device = fleet.device('d1', a);
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(500, [device]);
    device.send('echo', utf8Encode('via A'));
    fleet.run(500, [device]);
    assert.match(String(fleet.listener.channelOf(device.identity.id)!.route), /gwA/);

    a.disconnect(device);
    device.gateway = b;
    b.connect(device);
    device.send('echo', utf8Encode('via B'));
    fleet.run(500, [device]);
    const info = fleet.listener.channelOf(device.identity.id)!;
    assert.match(String(info.route), /gwB/);
    assert.equal(info.roams, 1);
    assert.equal(device.initiator.stats.attempts, 1, 'no new handshake');
    assert.deepEqual(device.received.map((m) => text(m.payload)), ['via A', 'via B']);
  });

  it('does not follow a genuine message whose return route a hop rewrote to another recipient', () => {
    const fleet = new Fleet({ provider });
    const gw = fleet.gateway('gw1');
    const device = fleet.device('d1', gw);
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(500, [device]);
    const cloudRoute = String(fleet.listener.channelOf(device.identity.id)!.route);
    // The gateway points both ends' return routes at a decryptor that is not the peer's.
    gw.tamper = { up: toAnotherRecipient, down: toAnotherRecipient };
    device.send('echo', utf8Encode('tampered'));
    fleet.run(500, [device]);
    gw.tamper = {};
    device.send('echo', utf8Encode('after'));
    fleet.run(500, [device]);
    // Both tampered messages authenticated and were delivered; neither moved a route.
    assert.deepEqual(fleet.echoed.map((e) => text(e.payload)), ['tampered', 'after']);
    assert.deepEqual(device.received.map((m) => text(m.payload)), ['tampered', 'after']);
    const info = fleet.listener.channelOf(device.identity.id)!;
    assert.equal(String(info.route), cloudRoute);
    assert.equal(info.roams, 0);
  });

  it('corrects a recipient rewritten in message 3 from the device\'s next messages, without a new handshake', () => {
    const fleet = new Fleet({ provider });
    const gw = fleet.gateway('gw1');
    const device = fleet.device('d1', gw);
    // The gateway rewrites the return route of the device's second message, message 3, so the
    // cloud's channel starts with a route to a decryptor that does not exist.
    let up = 0;
    gw.tamper = { up: (m) => (++up === 2 ? toAnotherRecipient(m) : m) };
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(30_000, [device]);
    // The cloud's PONGs went nowhere until resent copies of message 3 agreed on the true route.
    assert.equal(device.initiator.state, 'established');
    assert.equal(device.initiator.stats.attempts, 1, 'no new handshake');
    assert.equal(fleet.listener.channelOf(device.identity.id)!.roams, 1);
    device.send('echo', utf8Encode('through'));
    fleet.run(500, [device]);
    assert.deepEqual(device.received.map((m) => text(m.payload)), ['through']);
  });

  it('notices a cloud that lost the channel (restart) by keepalive silence, and re-handshakes', () => {
    const fleet = new Fleet({ provider });
    const device = fleet.device('d1', fleet.gateway('gw1'));
    const closed: string[] = [];
    device.open(fleet.cloud, fleet.clock, { keepaliveMs: 10_000, deadAfterMs: 6_000, backoffMs: 500, events: { closed: (r) => { closed.push(r); } } }).start();
    fleet.run(500, [device]);
    fleet.run(30_000, [device]);
    assert.equal(device.initiator.stats.attempts, 1, 'PINGs answered by PONGs keep the channel');
    // The cloud forgets its channels without telling anyone, as a crash would.
    const id = fleet.listener.channelOf(device.identity.id)!.id;
    fleet.cloudRouter.unregister(`sc.${id}`);
    fleet.run(30_000, [device]);
    assert.deepEqual(closed, ['responder silent']);
    assert.equal(device.initiator.state, 'established');
    assert.equal(device.initiator.stats.attempts, 2);
  });

  it('closes both ends on an authenticated close, and revocation closes the device channel', () => {
    const fleet = new Fleet({ provider });
    const device = fleet.device('d1', fleet.gateway('gw1'));
    const closed: string[] = [];
    device.open(fleet.cloud, fleet.clock, { backoffMs: 60_000, events: { closed: (r) => { closed.push(r); } } }).start();
    fleet.run(500, [device]);
    fleet.enrolled.delete(device.identity.id);
    assert.ok(fleet.listener.closeChannel(device.identity.id, 'revoked'));
    fleet.run(500, [device]);
    assert.deepEqual(closed, ['closed by the responder']);
    assert.equal(device.initiator.state, 'backoff');
    assert.equal(fleet.listener.channelCount, 0);
    fleet.run(120_000, [device]);
    assert.equal(fleet.listener.channelCount, 0, 'a revoked device cannot come back');
  });

  it('drops forged and malformed input at the listener and channel addresses without throwing', () => {
    const fleet = new Fleet({ provider });
    const gw = fleet.gateway('gw1');
    const device = fleet.device('d1', gw);
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(500, [device]);
    const id = fleet.listener.channelOf(device.identity.id)!.id;
    const random = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      for (const target of ['api', `sc.${id}`]) {
        gw.router.route({ onwardRoute: route('tcp:cloud', target), returnRoute: route('uart:nobody'), payload: random(1 + (i % 90)) });
      }
    }
    fleet.run(500, [device]);
    assert.equal(fleet.listener.channelCount, 1, 'the genuine channel survives');
    assert.ok(fleet.dropped.length >= 300, `drops reported (${fleet.dropped.length})`);
    device.send('echo', utf8Encode('still here'));
    fleet.run(500, [device]);
    assert.equal(text(device.received.at(-1)!.payload), 'still here');
  });
});

describe('secure-channel initiator trust', () => {
  it('gives up an attempt at once when the responder is not the trust anchor, and says why', () => {
    const fleet = new Fleet({ provider });
    const device = fleet.device('d1', fleet.gateway('gw1'));
    const reasons: string[] = [];
    const impostor = new Fleet({ provider }).cloud; // a valid identity, just not the anchor
    device.open(impostor, fleet.clock, { backoffMs: 5_000, events: { dropped: (r) => { reasons.push(r); } } }).start();
    fleet.run(1_000, [device]);
    assert.equal(device.initiator.state, 'backoff');
    assert.deepEqual(reasons, ['responder refused: IDENTITY_NOT_TRUSTED']);
    assert.equal(fleet.listener.channelCount, 0);
  });
});

describe('secure-channel delivery policy', () => {
  it('delivers plaintext only to the workers deliverTo allows', () => {
    const fleet = new Fleet({ provider, listener: { deliverTo: (head) => utf8Decode(head.value) === 'echo' } });
    let reachedApi = 0;
    fleet.cloudRouter.register('secret', { handleMessage: () => { reachedApi++; } });
    const device = fleet.device('d1', fleet.gateway('gw1'));
    device.open(fleet.cloud, fleet.clock).start();
    fleet.run(500, [device]);
    device.send('secret', utf8Encode('let me in'));
    device.send('echo', utf8Encode('allowed'));
    fleet.run(500, [device]);
    assert.equal(reachedApi, 0);
    assert.deepEqual(fleet.echoed.map((e) => text(e.payload)), ['allowed']);
    assert.ok(fleet.dropped.some((r) => r.includes('ROUTE_FORBIDDEN')));
  });
});
