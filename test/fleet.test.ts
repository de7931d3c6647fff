/**
 * Fleet scale, scaled down for CI: 40 simulated devices (the firmware bundle on the Node engine,
 * UART links through the gateway's SerialLink on in-memory cables) for about 15 s through one
 * gateway to one cloud with its SQLite store; nothing acknowledged may be missing from the
 * store, nothing stored twice. `burrow fleet` is the same run from the command line; a few
 * minutes at 1,000 devices is run by hand (see the report in issue 6).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { deliveryOf, fleetVerdict, judge, type DeviceDelivery } from '../simulators/stack/fleet-verdict.ts';
import { LiveFleet, type StartProgress } from '../simulators/stack/live-fleet.ts';

const BIN = fileURLToPath(new URL('../bin/burrow.js', import.meta.url));
const DEVICES = 40;
const RUN_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fleet scale (scaled down)', function () {
  this.timeout(180_000);
  let fleet: LiveFleet | undefined;
  after(async () => {
    await fleet?.stop();
  });

  it(`${DEVICES} devices for ${RUN_MS / 1000} s: every acknowledged reading stored, exactly once`, async () => {
    const progress: StartProgress[] = [];
    fleet = await LiveFleet.start({
      devices: Array.from({ length: DEVICES }, () => ({ engine: 'node' as const, link: 'wire' as const })),
      intervalMs: 1000,
      startWindow: 16,
      onProgress: (p) => progress.push(p),
    });
    // The window held: never more than 16 booted devices without a channel.
    assert.ok(progress.every((p) => p.booted - p.established <= 16), 'start window respected');
    assert.equal(progress.at(-1)!.booted, DEVICES);
    await sleep(RUN_MS);
    const verdict = await fleetVerdict(fleet);
    assert.deepEqual(verdict.failing, []);
    assert.equal(verdict.withChannel, DEVICES);
    assert.equal(verdict.lost, 0);
    assert.equal(verdict.duplicated, 0);
    assert.equal(verdict.unexpected, 0);
    assert.equal(verdict.faults, 0);
    assert.ok(verdict.perDevice.minStored >= 5, `every device stored readings (min ${verdict.perDevice.minStored})`);
    assert.ok(verdict.ok);

    // The check is not vacuous: remove one acknowledged reading behind the cloud's back.
    const member = fleet.members[0]!;
    const db = new Database(fleet.cloud.paths.database);
    try {
      db.prepare('DELETE FROM readings WHERE device = ? AND seq = 0').run(member.identifier);
    } finally {
      db.close();
    }
    const after = await deliveryOf(fleet, member);
    assert.equal(after.lost, 1);
  });

  it('judges loss, duplication and a device without a channel as failures', () => {
    const good: DeviceDelivery = { name: 'd', identifier: 'I0', channel: 'established', sent: 10, acknowledged: 9, inFlight: 1, dropped: 0, stored: 9, lost: 0, duplicated: 0, unexpected: 0 };
    assert.equal(judge([good], 0).ok, true);
    for (const bad of [{ lost: 1 }, { duplicated: 1 }, { unexpected: 1 }, { dropped: 1 }, { channel: 'handshaking' }]) {
      const v = judge([good, { ...good, ...bad, name: 'bad' }], 0);
      assert.equal(v.ok, false, JSON.stringify(bad));
      assert.equal(v.failing[0]!.name, 'bad');
    }
    assert.equal(judge([good], 1).ok, false, 'a simulator fault fails the run');
    assert.equal(judge([{ ...good, stored: 0, acknowledged: 0 }], 0).ok, false, 'nothing stored proves nothing');
  });

  it('`burrow fleet --devices 5 --duration 5s` exits 0 with its verdict', () => {
    const r = spawnSync(process.execPath, [BIN, 'fleet', '--devices', '5', '--duration', '5s', '--interval', '1000'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /channels 5\/5 up/);
    assert.match(r.stdout, /^verdict: OK: 5 devices \(5 with a channel\), \d+ s: stored \d+ readings, lost 0, duplicated 0$/m);
  });

  it('`burrow fleet` refuses bad arguments with exit status 2', () => {
    const r = spawnSync(process.execPath, [BIN, 'fleet', '--devices', '5', '--duration', 'soon'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--duration must be a duration like 90s/);
  });
});
