/**
 * Downlink commands: queued while a device is away and delivered when its channel opens,
 * results recorded (only from the device the command was for), redelivery after a lost
 * channel, and failure when no result comes.
 */
import assert from 'node:assert/strict';
import { CloudFixture, answer, commandsReceived } from './cloud-fixture.ts';

describe('cloud commands', () => {
  let cloud: CloudFixture;
  beforeEach(() => { cloud = new CloudFixture({ node: { commands: { resultTimeoutMs: 30_000, maxDeliveries: 2 } } }); });
  afterEach(() => cloud.close());

  it('queues for an offline device, delivers when its channel opens, and records the result', () => {
    const d = cloud.device('d1', cloud.gateway('gw1'));
    const queued = cloud.node.commands.queue(d.identity.id, 'set-interval', '{"ms":5000}');
    assert.equal(queued.state, 'queued');
    cloud.open(d);
    cloud.run(300, [d]);
    const [received, ...more] = commandsReceived(d);
    assert.equal(more.length, 0);
    assert.deepEqual({ id: received!.id, name: received!.name, args: received!.args }, { id: queued.id, name: 'set-interval', args: '{"ms":5000}' });
    assert.equal(cloud.store.command(queued.id)!.state, 'sent');

    answer(d, received!, true, '{"interval":5000}');
    cloud.run(300, [d]);
    const done = cloud.store.command(queued.id)!;
    assert.equal(done.state, 'done');
    assert.equal(done.result, '{"interval":5000}');

    // Queued while the channel is up: sent at once, and only once on this channel (queuing a
    // third does not send the unanswered second again); a failure result is recorded as failed.
    const second = cloud.node.commands.queue(d.identity.id, 'identify', '{"blinks":3}');
    cloud.run(300, [d]);
    const third = cloud.node.commands.queue(d.identity.id, 'status', '{}');
    cloud.run(300, [d]);
    assert.deepEqual(commandsReceived(d).map((m) => m.id), [queued.id, second.id, third.id]);
    answer(d, commandsReceived(d)[1]!, false, 'no LED on this board');
    cloud.run(300, [d]);
    assert.equal(cloud.store.command(second.id)!.state, 'failed');
    assert.equal(cloud.store.command(second.id)!.deliveries, 1);
  });

  it('accepts a result only from the device the command was for', () => {
    const gw = cloud.gateway('gw1');
    const target = cloud.device('target', gw);
    const other = cloud.device('other', gw);
    cloud.open(target);
    cloud.open(other);
    cloud.run(300, [target, other]);
    const c = cloud.node.commands.queue(target.identity.id, 'status', '{}');
    const mine = cloud.node.commands.queue(other.identity.id, 'status', '{}');
    cloud.run(300, [target, other]);
    answer(other, { ...commandsReceived(target)[0]! }, true, 'forged');
    cloud.run(300, [target, other]);
    assert.equal(cloud.store.command(c.id)!.state, 'sent');
    assert.equal(cloud.logged('warn', `not pending for ${other.identity.id}`), 1);
    void mine;
  });

  it('delivers again on the next channel when no result came, then gives up', () => {
    const gw = cloud.gateway('gw1');
    const d = cloud.device('d1', gw);
    cloud.open(d);
    cloud.run(300, [d]);
    const c = cloud.node.commands.queue(d.identity.id, 'identify', '{"blinks":1}');
    cloud.run(300, [d]);
    assert.equal(commandsReceived(d).length, 1);

    // The device reboots before answering: a new channel gets the same command again.
    cloud.adopt(d, gw);
    cloud.open(d);
    cloud.run(300, [d]);
    assert.deepEqual(commandsReceived(d).map((m) => m.id), [c.id, c.id]);
    assert.equal(cloud.store.command(c.id)!.deliveries, 2);

    // maxDeliveries is 2: the third channel fails it instead of sending it again.
    cloud.adopt(d, gw);
    cloud.open(d);
    cloud.run(300, [d]);
    assert.equal(commandsReceived(d).length, 2);
    const failed = cloud.store.command(c.id)!;
    assert.equal(failed.state, 'failed');
    assert.match(failed.result!, /no result after 2 deliveries/);
  });

  it('fails a sent command whose result is overdue', () => {
    const d = cloud.device('d1', cloud.gateway('gw1'));
    cloud.open(d);
    cloud.run(300, [d]);
    const c = cloud.node.commands.queue(d.identity.id, 'status', '{}');
    cloud.run(29_000, [d], 1_000);
    assert.equal(cloud.store.command(c.id)!.state, 'sent');
    cloud.run(3_000, [d], 1_000);
    assert.equal(cloud.store.command(c.id)!.state, 'failed');
    assert.equal(cloud.logged('warn', 'command timed out'), 1);
  });

  it('refuses commands for unknown or revoked devices and arguments that are not JSON', () => {
    const d = cloud.device('d1', cloud.gateway('gw1'));
    assert.throws(() => cloud.node.commands.queue(d.identity.id, 'identify', '{blinks'), /must be JSON/);
    assert.throws(() => cloud.node.commands.queue(d.identity.id, 'bad name!', '{}'), (e: Error & { code?: string }) => e.code === 'DECODE_BAD_VALUE');
    assert.throws(() => cloud.node.commands.queue(d.identity.id, 'x', JSON.stringify('y'.repeat(600))), (e: Error & { code?: string }) => e.code !== undefined);
    cloud.node.revoke(d.identity.id);
    assert.throws(() => cloud.node.commands.queue(d.identity.id, 'identify', '{}'), /not an enrolled device/);
    assert.equal(cloud.store.commands(undefined, 10).length, 0);
  });
});
