/**
 * The telemetry service through real channels: each reading stored exactly once whatever the
 * network and the device repeat, cumulative acks, per-service access rules, and a cloud that
 * drops malformed input at every layer with a log line and keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { AppMessageType, encodeAppMessage, telemetryAck, command } from '../protocol/app/messages.ts';
import { utf8Encode } from '../protocol/bytes.ts';
import { Address, TransportType } from '../protocol/routing/address.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { route } from '../protocol/routing/route.ts';
import { Router } from '../protocol/routing/router.ts';
import { seededRandom } from '../simulators/xs/random.ts';
import { AccessRules } from '../cloud/access.ts';
import { acks, appMessages, CloudFixture, sendReadings } from './cloud-fixture.ts';
import type { Device } from './support/channel-fleet.ts';

const storedSeqs = (cloud: CloudFixture, d: Device) => cloud.store.readings({ device: d.identity.id, limit: 10_000 }).map((r) => r.seq);

describe('cloud telemetry', () => {
  let cloud: CloudFixture;
  afterEach(() => cloud.close());

  it('stores duplicate batches once and acknowledges cumulatively across gaps', () => {
    cloud = new CloudFixture();
    const d = cloud.device('d1', cloud.gateway('gw1'));
    cloud.open(d);
    cloud.run(300, [d]);
    sendReadings(d, [0, 1, 2]);
    sendReadings(d, [0, 1, 2]); // the device re-sent before the ack arrived
    sendReadings(d, [4, 5]); // 3 is missing: the ack stays at 3
    sendReadings(d, [3]); // the gap fills: the ack jumps past 5
    sendReadings(d, [7], 7); // the device gave up on 6 (floor 7)
    cloud.run(300, [d]);
    assert.deepEqual(acks(d), [3, 3, 3, 6, 8]);
    assert.deepEqual(storedSeqs(cloud, d), [0, 1, 2, 4, 5, 3, 7]);
    assert.equal(cloud.node.telemetry.counters.duplicates, 3);
    assert.equal(cloud.store.nextExpected(d.identity.id), 8);
  });

  it('stores a replayed channel message once: the channel refuses the copy', () => {
    cloud = new CloudFixture();
    const gw = cloud.gateway('gw1');
    const d = cloud.device('d1', gw);
    const captured: RoutedMessage[] = [];
    const receive = gw.receive.bind(gw);
    gw.receive = (from, m) => { captured.push(m); receive(from, m); };
    cloud.open(d);
    cloud.run(300, [d]);
    captured.length = 0;
    sendReadings(d, [0, 1]);
    cloud.run(300, [d]);
    assert.equal(captured.length, 1);
    for (let i = 0; i < 3; i++) gw.receive(d, captured[0]!); // a hop replays the frame
    cloud.run(300, [d]);
    assert.deepEqual(storedSeqs(cloud, d), [0, 1]);
    assert.deepEqual(acks(d), [2]);
    assert.equal(cloud.node.listener.channelOf(d.identity.id)!.rejected, 3);
    assert.ok(cloud.logged('warn', 'CHANNEL_REPLAY') >= 3);
  });

  it('stores every reading exactly once under seeded drops, duplicates, reordering and corruption', () => {
    const seed = 7031;
    cloud = new CloudFixture({ random: seededRandom(seed), faults: { drop: 0.15, duplicate: 0.2, reorder: 0.3, corrupt: 0.05 } });
    const d = cloud.device('d1', cloud.gateway('gw1'));
    cloud.open(d, { options: { random: seededRandom(seed + 1) } });
    cloud.run(60_000, [d], 250);
    assert.equal(d.initiator.state, 'established', `seed ${seed}`);
    // A device that re-sends everything above its latest ack, 8 readings a batch, until all 200 are acked.
    const total = 200;
    for (let round = 0; round < 200 && Math.max(0, ...acks(d)) < total; round++) {
      const from = Math.max(0, ...acks(d));
      for (let s = from; s < Math.min(total, from + 24); s += 8) sendReadings(d, Array.from({ length: Math.min(8, total - s) }, (_, i) => s + i));
      cloud.run(1_000, [d], 250);
    }
    assert.equal(Math.max(...acks(d)), total, `seed ${seed}: all acked`);
    const seqs = storedSeqs(cloud, d).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i), `seed ${seed}: each reading stored once`);
    assert.ok(cloud.node.telemetry.counters.duplicates > 0, 'the device did re-send');
    assert.ok(cloud.network.counters.duplicated > 0 && cloud.network.counters.corrupted > 0, 'faults were injected');
  });

  it('applies per-service access rules: only role=sensor may send telemetry', () => {
    cloud = new CloudFixture({ access: AccessRules.parse({ telemetry: [{ attributes: { role: 'sensor' } }] }) });
    const gw = cloud.gateway('gw1');
    const sensor = cloud.device('sensor', gw, { attributes: { role: 'sensor' } });
    const actuator = cloud.device('actuator', gw, { attributes: { role: 'actuator' } });
    cloud.open(sensor);
    cloud.open(actuator);
    cloud.run(300, [sensor, actuator]);
    sendReadings(sensor, [0]);
    sendReadings(actuator, [0]);
    actuator.send('echo', utf8Encode('echo is open to all'));
    cloud.run(300, [sensor, actuator]);
    assert.deepEqual(acks(sensor), [1]);
    assert.deepEqual(acks(actuator), []);
    assert.deepEqual(storedSeqs(cloud, actuator), []);
    assert.equal(actuator.received.length, 1, 'echo answered');
    assert.equal(cloud.node.telemetry.counters.dropped['IDENTITY_NOT_TRUSTED'], 1);
    assert.equal(cloud.logged('warn', `${actuator.identity.id} may not use telemetry`), 1);
  });

  it('drops malformed input at every layer with a log line, and keeps serving', () => {
    cloud = new CloudFixture();
    const gw = cloud.gateway('gw1');
    const good = cloud.device('good', gw);
    const bad = cloud.device('bad', gw);
    cloud.open(good);
    cloud.open(bad);
    cloud.run(300, [good, bad]);
    const victim = cloud.node.listener.channelOf(good.identity.id)!;

    // A rogue node on the network, speaking routed messages straight to the cloud.
    const rogue = new Router();
    cloud.network.attach(TransportType.TCP, 'rogue', rogue);
    const fromRogue = (to: string, payload: Uint8Array) => rogue.route({ onwardRoute: route('tcp:cloud', to), returnRoute: route(), payload });
    const warnings = () => cloud.log.records.filter((r) => r.level === 'warn').length;
    let before = warnings();
    const expectLogged = (what: string) => {
      cloud.run(200, [good, bad]);
      assert.ok(warnings() > before, `${what}: logged`);
      before = warnings();
    };

    fromRogue('api', new Uint8Array(0)); // secure-channel envelope: empty
    expectLogged('empty envelope');
    fromRogue('api', Uint8Array.of(9, 1, 2)); // unknown envelope kind
    expectLogged('bad envelope kind');
    fromRogue('api', Uint8Array.of(1, 1, 2, 3)); // truncated Noise message 1
    expectLogged('truncated message 1');
    fromRogue('api', Uint8Array.of(3, ...new Uint8Array(100))); // message 3 at the listener
    expectLogged('message 3 at the listener');
    fromRogue(String(victim.decryptor), Uint8Array.of(4, ...new Uint8Array(40))); // forged transport message
    expectLogged('forged transport message');
    fromRogue('telemetry', encodeAppMessage({ type: AppMessageType.TELEMETRY, floor: 0, readings: [{ seq: 0, time: 0, uptimeMs: 0, values: [{ name: 'x', value: 1 }] }] }));
    expectLogged('telemetry from outside any channel');

    // Authentic channel traffic that is malformed at the application layer.
    bad.send('telemetry', Uint8Array.of(1, 0, 0)); // truncated batch
    expectLogged('truncated batch');
    bad.send('telemetry', Uint8Array.of(77)); // unknown app message type
    expectLogged('unknown type');
    bad.send('telemetry', encodeAppMessage(telemetryAck(5))); // an ACK sent to telemetry
    expectLogged('wrong type');
    bad.send('commands', encodeAppMessage(command(1, 'x'))); // a COMMAND sent to commands
    expectLogged('command to commands');
    bad.send('nobody', utf8Encode('?')); // no such service
    expectLogged('no such service');

    // Cross-channel injection: the bad device addresses the good one's channel encryptor, and the listener.
    bad.router.route({ onwardRoute: route(bad.initiator.encryptor, victim.encryptor, 'app'), returnRoute: route('app'), payload: encodeAppMessage(command(9, 'identify')) });
    expectLogged('into another channel');
    bad.router.route({ onwardRoute: route(bad.initiator.encryptor, 'api'), returnRoute: route('app'), payload: Uint8Array.of(1) });
    expectLogged('to the listener');
    assert.equal(appMessages(good).length, 0, 'nothing reached the good device');
    assert.ok(cloud.logged('warn', 'ROUTE_FORBIDDEN') >= 2);

    // Nothing crashed, nothing was stored, and both channels still work.
    assert.equal(cloud.store.readings({ limit: 10 }).length, 0);
    sendReadings(good, [0]);
    sendReadings(bad, [0]);
    cloud.run(300, [good, bad]);
    assert.deepEqual(acks(good), [1]);
    assert.deepEqual(acks(bad), [1]);
    assert.equal(cloud.node.telemetry.counters.failed, 0);
    void Address;
  });
});
