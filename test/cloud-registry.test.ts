/**
 * Who may open a channel to the cloud: enrolled identities only; attestations must be valid;
 * enrollment tickets work once and only once, and expire; revocation closes the live channel
 * and keeps the device out. All over the in-memory network with the real registry and store.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createIdentity } from '../protocol/identity/identity.ts';
import { utf8Encode } from '../protocol/bytes.ts';
import { parseTicket, ticketHash } from '../cloud/tickets.ts';
import { CloudFixture, NOW_SECONDS, provider, YEAR } from './cloud-fixture.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const ticketHashOf = (secret: string) => ticketHash(parseTicket(secret));

describe('cloud registry and channel authorization', () => {
  let cloud: CloudFixture;
  beforeEach(() => { cloud = new CloudFixture(); });
  afterEach(() => cloud.close());

  it('opens a channel for an enrolled device and lists it in status', () => {
    const d = cloud.device('d1', cloud.gateway('gw1'), { attributes: { role: 'sensor' } });
    cloud.open(d);
    cloud.run(500, [d]);
    assert.equal(d.initiator.state, 'established');
    const [status, ...rest] = cloud.node.status();
    assert.equal(rest.length, 0);
    assert.equal(status!.identifier, d.identity.id);
    assert.deepEqual(status!.attributes, { role: 'sensor' });
    assert.match(status!.route, /tcp:gw1/);
    assert.equal(cloud.logged('info', 'channel opened'), 1);
  });

  it('refuses an unknown identity, with a log line and no channel', () => {
    const d = cloud.device('stranger', cloud.gateway('gw1'), { enroll: false });
    cloud.open(d);
    cloud.run(5_000, [d]);
    assert.notEqual(d.initiator.state, 'established');
    assert.equal(cloud.node.listener.channelCount, 0);
    // The trust policy refuses a stranger before authorize (so it never enters the peer cache).
    assert.ok(cloud.logged('warn', 'IDENTITY_NOT_TRUSTED') >= 1);
    assert.equal(cloud.store.device(d.identity.id), undefined);
  });

  it('refuses an enrolled identity whose attestation has expired', () => {
    const d = cloud.device('old', cloud.gateway('gw1'));
    const expired = createIdentity(provider, NOW_SECONDS - 2 * YEAR, NOW_SECONDS - YEAR);
    cloud.node.registry.enroll(expired.id, {});
    cloud.open(d, { identity: expired });
    cloud.run(5_000, [d]);
    assert.notEqual(d.initiator.state, 'established');
    assert.equal(cloud.node.listener.channelCount, 0);
    assert.ok(cloud.logged('warn', 'IDENTITY_EXPIRED') >= 1);
  });

  it('enrolls by ticket once, with its attributes; a second device cannot reuse it', () => {
    const ticket = cloud.node.registry.issueTicket({ role: 'sensor', site: 'b2' }, 3_600_000, random);
    const gw = cloud.gateway('gw1');
    const first = cloud.device('first', gw, { enroll: false });
    cloud.open(first, { ticket: ticket.secret });
    cloud.run(500, [first]);
    assert.equal(first.initiator.state, 'established');
    const enrolled = cloud.store.device(first.identity.id)!;
    assert.deepEqual(enrolled.attributes, { role: 'sensor', site: 'b2' });
    assert.equal(enrolled.enrolledBy, 'ticket');
    assert.equal(cloud.logged('info', 'device enrolled by ticket'), 1);

    const second = cloud.device('second', gw, { enroll: false });
    cloud.open(second, { ticket: ticket.secret });
    cloud.run(5_000, [second]);
    assert.notEqual(second.initiator.state, 'established');
    assert.equal(cloud.store.device(second.identity.id), undefined);
    assert.equal(cloud.store.ticket(ticketHashOf(ticket.secret))!.usedBy, first.identity.id);

    // The first device needs no ticket any more: it is enrolled.
    cloud.adopt(first, gw);
    cloud.open(first);
    cloud.run(500, [first]);
    assert.equal(first.initiator.state, 'established');
    // The secret never reached a log line.
    assert.ok(!JSON.stringify(cloud.log.records).includes(ticket.secret));
  });

  it('refuses an expired ticket and an unknown one', () => {
    const ticket = cloud.node.registry.issueTicket({}, 1_000, random);
    cloud.clock.ms += 2_000;
    const gw = cloud.gateway('gw1');
    const late = cloud.device('late', gw, { enroll: false });
    cloud.open(late, { ticket: ticket.secret });
    const forged = cloud.device('forged', gw, { enroll: false });
    cloud.open(forged, { ticket: '00112233445566778899aabbccddeeff' });
    cloud.run(5_000, [late, forged]);
    assert.equal(cloud.node.listener.channelCount, 0);
    assert.equal(cloud.store.devices().length, 0);
  });

  it('revocation closes the live channel, tells the device, and keeps it out', () => {
    const gw = cloud.gateway('gw1');
    const d = cloud.device('d1', gw);
    const other = cloud.device('d2', gw);
    cloud.open(d);
    cloud.open(other);
    cloud.run(500, [d, other]);
    assert.equal(cloud.node.listener.channelCount, 2);

    assert.deepEqual(cloud.node.revoke(d.identity.id), { revoked: true, closed: true });
    cloud.run(100, [d, other]);
    assert.equal(cloud.node.listener.channelOf(d.identity.id), undefined);
    assert.notEqual(d.initiator.state, 'established', 'the device got the authenticated CLOSE');
    assert.equal(cloud.logged('info', 'device revoked'), 1);

    // It retries (backoff) and is refused every time; the other device is untouched.
    cloud.run(60_000, [d, other]);
    assert.equal(cloud.node.listener.channelOf(d.identity.id), undefined);
    assert.equal(other.initiator.state, 'established');
    other.send('echo', utf8Encode('still here'));
    cloud.run(200, [d, other]);
    assert.equal(other.received.length, 1);
  });

  it('status follows a device that roams to another gateway, and idle channels are closed', () => {
    cloud.close();
    cloud = new CloudFixture({ node: { idleTimeoutMs: 30_000 } });
    const [a, b] = [cloud.gateway('gwA'), cloud.gateway('gwB')];
    const d = cloud.device('d1', a);
    cloud.open(d, { options: { keepaliveMs: 600_000 } });
    cloud.run(300, [d]);
    d.send('echo', utf8Encode('via A'));
    cloud.run(300, [d]);
    assert.match(cloud.node.status()[0]!.route, /gwA/);
    a.disconnect(d);
    d.gateway = b;
    b.connect(d);
    d.send('echo', utf8Encode('via B'));
    cloud.run(300, [d]);
    const [status] = cloud.node.status();
    assert.match(status!.route, /gwB/);
    assert.equal(status!.roams, 1);
    assert.equal(d.received.length, 2, 'the reply found the device through B');

    cloud.run(31_000, [d], 1_000);
    assert.equal(cloud.node.listener.channelCount, 0, 'closed after 30 s of silence');
    assert.equal(cloud.logged('info', 'idle timeout'), 1);
  });
});
