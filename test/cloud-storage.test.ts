/**
 * What the cloud keeps on disk: the data directory and its modes, the service identity across
 * starts (and its attestation renewal), the SQLite store's atomic rules (exactly-once readings,
 * single-use tickets even across two connections), access rules and attributes, and a restart
 * that keeps registry, dedup state and pending commands.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessRules } from '../cloud/access.ts';
import { parseAttributes } from '../cloud/attributes.ts';
import { dataPaths, openDataDir, resolveDataDir, writeSecretFile } from '../cloud/data-dir.ts';
import { loadOrCreateServiceIdentity, RENEW_BEFORE_DAYS, ATTESTATION_DAYS } from '../cloud/service-identity.ts';
import { SqliteStore } from '../cloud/storage/sqlite-store.ts';
import type { DeviceRecord } from '../cloud/storage/store.ts';
import { acks, CloudFixture, commandsReceived, provider, reading, sendReadings, temporaryDir } from './cloud-fixture.ts';

const DAY = 86_400;
const code = (c: string) => (e: Error & { code?: string }) => e.code === c;
const ID = (n: number) => `I${n.toString(16).padStart(40, '0')}`;

describe('cloud data directory and service identity', () => {
  let tmp: ReturnType<typeof temporaryDir>;
  beforeEach(() => { tmp = temporaryDir('burrow-cloud-data-'); });
  afterEach(() => tmp.remove());

  it('resolves --data, then $BURROW_DATA, then ./.burrow/cloud', () => {
    assert.equal(resolveDataDir('/x/flag', { BURROW_DATA: '/x/env' }), '/x/flag');
    assert.equal(resolveDataDir(undefined, { BURROW_DATA: '/x/env' }), '/x/env');
    assert.equal(resolveDataDir(undefined, {}), join(process.cwd(), '.burrow/cloud'));
  });

  it('creates the directory 0700 and the identity 0600, and loads the same identity again', () => {
    const paths = openDataDir(join(tmp.dir, 'a/b'));
    assert.equal(statSync(paths.dir).mode & 0o777, 0o700);
    const now = 1_800_000_000;
    const first = loadOrCreateServiceIdentity(provider, paths, now);
    assert.ok(first.created);
    assert.equal(statSync(paths.identity).mode & 0o777, 0o600);
    const again = loadOrCreateServiceIdentity(provider, paths, now + DAY);
    assert.ok(!again.created && !again.renewed);
    assert.equal(again.identity.id, first.identity.id);
    assert.equal(writeSecretFile(paths.identity, new Uint8Array(8), true), false, 'a second first start keeps the first key');
    assert.deepEqual(again.identity.staticKey.publicKey, first.identity.staticKey.publicKey);
  });

  it('renews the attestation near expiry under the same identifier and static key', () => {
    const paths = openDataDir(tmp.dir);
    const now = 1_800_000_000;
    const first = loadOrCreateServiceIdentity(provider, paths, now).identity;
    const later = now + (ATTESTATION_DAYS - RENEW_BEFORE_DAYS + 1) * DAY;
    const renewed = loadOrCreateServiceIdentity(provider, paths, later);
    assert.ok(renewed.renewed);
    assert.equal(renewed.identity.id, first.id);
    assert.deepEqual(renewed.identity.staticKey.publicKey, first.staticKey.publicKey);
    assert.equal(renewed.identity.attestation.created, later);
    assert.equal(loadOrCreateServiceIdentity(provider, paths, later).identity.attestation.created, later, 'the renewal was saved');
  });

  it('refuses a directory or key file that others can read, and a corrupted key file', () => {
    const open = join(tmp.dir, 'shared');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    assert.throws(() => openDataDir(open), code('CONFIG_INVALID'));
    const paths = openDataDir(join(tmp.dir, 'ok'));
    loadOrCreateServiceIdentity(provider, paths, 1_800_000_000);
    chmodSync(paths.identity, 0o644);
    assert.throws(() => loadOrCreateServiceIdentity(provider, paths, 1_800_000_000), /chmod 600/);
    writeFileSync(paths.identity, new Uint8Array(176), { mode: 0o600 });
    chmodSync(paths.identity, 0o600);
    assert.throws(() => loadOrCreateServiceIdentity(provider, paths, 1_800_000_000), code('DECODE_BAD_CHECKSUM'));
  });
});

describe('cloud SQLite store', () => {
  let tmp: ReturnType<typeof temporaryDir>;
  beforeEach(() => { tmp = temporaryDir('burrow-cloud-store-'); });
  afterEach(() => tmp.remove());

  it('creates its database 0600 in WAL mode', () => {
    const path = join(tmp.dir, 'burrow.db');
    const store = new SqliteStore(path);
    store.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.throws(() => new SqliteStore(join(tmp.dir, 'missing.db'), { readonly: true }), code('CONFIG_INVALID'));
  });

  it('redeems a ticket once, even from two connections, and never after expiry', () => {
    const path = join(tmp.dir, 'burrow.db');
    const a = new SqliteStore(path);
    const b = new SqliteStore(path);
    a.addTicket('h1', { role: 'sensor' }, 1000, 5000);
    a.addTicket('h2', {}, 1000, 2000);
    assert.equal(b.redeemTicket('h1', ID(1), 1500)?.identifier, ID(1));
    assert.equal(a.redeemTicket('h1', ID(2), 1600), undefined, 'used');
    assert.equal(b.redeemTicket('h1', ID(2), 1600), undefined, 'used, other connection');
    assert.equal(a.redeemTicket('h2', ID(3), 2000), undefined, 'expired');
    assert.equal(a.redeemTicket('nope', ID(3), 1500), undefined, 'unknown');
    assert.equal(a.ticket('h2')!.usedAt, undefined, 'a refused redemption changes nothing');
    // A known identity never re-enrolls itself by ticket (a revoked one stays revoked).
    a.addTicket('h3', {}, 1000, 5000);
    a.revoke(ID(1), 1700);
    assert.equal(a.redeemTicket('h3', ID(1), 1800), undefined);
    assert.equal(a.ticket('h3')!.usedAt, undefined);
    assert.deepEqual(a.device(ID(1))!.attributes, { role: 'sensor' });
    a.close();
    b.close();
  });

  it('keeps the cumulative ack across floors and gaps, and each (device, seq) once', () => {
    const store = new SqliteStore(':memory:');
    const put = (d: number, floor: number, seqs: number[]) => store.storeReadings(ID(d), floor, seqs.map((s) => reading(s)), 1);
    assert.deepEqual(put(1, 0, [1, 2]), { stored: 2, duplicates: 0, next: 0 });
    assert.deepEqual(put(1, 0, [0, 1]), { stored: 1, duplicates: 1, next: 3 });
    assert.deepEqual(put(1, 10, [12]), { stored: 1, duplicates: 0, next: 10 }, 'the floor moves next past what was given up');
    assert.deepEqual(put(1, 0, [10, 11]), { stored: 2, duplicates: 0, next: 13 }, 'a lower floor later never moves it back');
    assert.deepEqual(put(2, 0, [0]), { stored: 1, duplicates: 0, next: 1 }, 'devices are independent');
    assert.deepEqual(store.readings({ device: ID(1), limit: 100 }).map((r) => r.seq), [1, 2, 0, 12, 10, 11]);
    assert.deepEqual(store.readings({ limit: 2, newest: true }).map((r) => [r.device, r.seq]), [[ID(1), 11], [ID(2), 0]]);
    store.close();
  });

  it('never reuses a command id, and finishes a sent command only for its own device', () => {
    const store = new SqliteStore(':memory:');
    const c1 = store.queueCommand(ID(1), 'status', '{}', 1);
    const c2 = store.queueCommand(ID(2), 'status', '{}', 1);
    assert.equal(store.finishCommand(c1.id, ID(1), 'done', 'early', 2), undefined, 'a result for a command never sent');
    store.markSent(c1.id, 2);
    assert.equal(store.finishCommand(c1.id, ID(2), 'done', 'x', 2), undefined, 'another device');
    assert.equal(store.finishCommand(c1.id, ID(1), 'done', 'ok', 2)?.state, 'done');
    assert.equal(store.finishCommand(c1.id, ID(1), 'failed', 'again', 3), undefined, 'a finished command stays finished');
    assert.ok(c2.id > c1.id);
    store.close();
  });
});

describe('cloud access rules and attributes', () => {
  const device = (identifier: string, attributes: Record<string, string>, revokedAt?: number): DeviceRecord =>
    ({ identifier, attributes, enrolledAt: 0, enrolledBy: 'operator', revokedAt });

  it('matches by identifier or by all named attributes; unnamed services are open', () => {
    const rules = AccessRules.parse({ telemetry: [{ attributes: { role: 'sensor', site: 'b2' } }, { identifier: ID(7) }], echo: [] });
    assert.ok(rules.allows('telemetry', device(ID(1), { role: 'sensor', site: 'b2', x: 'y' })));
    assert.ok(!rules.allows('telemetry', device(ID(1), { role: 'sensor' })));
    assert.ok(rules.allows('telemetry', device(ID(7), {})));
    assert.ok(!rules.allows('echo', device(ID(7), {})));
    assert.ok(rules.allows('commands', device(ID(1), {})));
    assert.ok(!rules.allows('commands', device(ID(1), {}, 5)), 'never a revoked device');
  });

  it('refuses malformed rules and attributes', () => {
    for (const bad of [[], { telemetry: {} }, { telemetry: [{}] }, { telemetry: [{ identifier: 'Ixyz' }] }, { telemetry: [{ role: 'sensor' }] },
      { 'a b': [] }, { telemetry: [{ attributes: { role: 5 } }] }, { telemetry: [{ attributes: { 'r o': 'x' } }] }]) {
      assert.throws(() => AccessRules.parse(bad), code('CONFIG_INVALID'), JSON.stringify(bad));
    }
    assert.deepEqual(parseAttributes(['site=b2', 'role=sensor']), { role: 'sensor', site: 'b2' });
    for (const bad of [['role'], ['=x'], ['role=a', 'role=b'], ['role=a b'], ['__proto__x=1\n'], [`k=${'v'.repeat(65)}`]]) {
      assert.throws(() => parseAttributes(bad), code('CONFIG_INVALID'), bad.join(' '));
    }
  });
});

describe('cloud restart', () => {
  let tmp: ReturnType<typeof temporaryDir>;
  beforeEach(() => { tmp = temporaryDir('burrow-cloud-restart-'); });
  afterEach(() => tmp.remove());

  it('keeps the registry, dedup state and pending commands across a restart', () => {
    const paths = openDataDir(tmp.dir);
    const identity = loadOrCreateServiceIdentity(provider, paths, 1_800_000_000).identity;
    const before = new CloudFixture({ database: paths.database, identity });
    const gw = before.gateway('gw1');
    const sensor = before.device('sensor', gw, { attributes: { role: 'sensor' } });
    const away = before.device('away', gw);
    const revoked = before.device('revoked', gw);
    before.node.revoke(revoked.identity.id);
    before.open(sensor);
    before.run(300, [sensor]);
    sendReadings(sensor, [0, 1, 2, 3, 4, 6]);
    before.run(300, [sensor]);
    assert.deepEqual(acks(sensor), [5]);
    const pending = before.node.commands.queue(away.identity.id, 'identify', '{"blinks":2}');
    before.close();

    const after = new CloudFixture({ database: dataPaths(tmp.dir).database, identity, clock: before.clock });
    const gw2 = after.gateway('gw2');
    after.adopt(sensor, gw2);
    after.adopt(away, gw2);
    after.adopt(revoked, gw2);
    for (const d of [sensor, away, revoked]) after.open(d);
    after.run(5_000, [sensor, away, revoked]);
    assert.equal(sensor.initiator.state, 'established', 'still enrolled');
    assert.notEqual(revoked.initiator.state, 'established', 'still revoked');
    assert.deepEqual(after.store.device(sensor.identity.id)!.attributes, { role: 'sensor' });

    sensor.received.length = 0;
    sendReadings(sensor, [3, 4, 5, 6, 7]);
    after.run(300, [sensor]);
    assert.deepEqual(acks(sensor), [8], 'the ack state survived: 0-2 and 6 are not asked for again');
    assert.equal(after.node.telemetry.counters.duplicates, 3);
    assert.deepEqual(after.store.readings({ device: sensor.identity.id, limit: 100 }).map((r) => r.seq).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);

    const [delivered] = commandsReceived(away);
    assert.equal(delivered?.id, pending.id, 'the pending command was delivered after the restart');
    after.close();
  });
});
