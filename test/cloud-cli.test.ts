/**
 * The cloud's commands as an operator runs them: the real bin/burrow.js in child processes on
 * one data directory, with `burrow cloud` running for the commands that need it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../cloud/storage/sqlite-store.ts';
import { reading, temporaryDir } from './cloud-fixture.ts';

const BIN = fileURLToPath(new URL('../bin/burrow.js', import.meta.url));
const DEVICE = `I${'ab'.repeat(20)}`;

describe('burrow cloud CLI', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof temporaryDir>;
  let data: string;
  const children: ChildProcess[] = [];
  before(() => {
    tmp = temporaryDir('burrow-cloud-cli-');
    data = join(tmp.dir, 'data');
  });
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    tmp.remove();
  });

  const burrow = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args, '--data', data], { encoding: 'utf8', env: { ...process.env, BURROW_DATA: '' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  /** Starts a long-running command; resolves once `ready` appears on stdout or stderr. */
  function start(ready: RegExp, ...args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, [BIN, ...args, '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (ready.test(output)) resolve({ child, output: () => output });
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`burrow ${args[0]} exited (${code}): ${output}`)));
    });
  }

  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  it('creates the identity, enrolls, issues tickets and queues commands without a running service', () => {
    const shown = burrow('identity', 'show', '--json');
    assert.equal(shown.code, 0, shown.err);
    const identity = JSON.parse(shown.out) as { identifier: string; trustAnchor: string };
    assert.match(identity.identifier, /^I[0-9a-f]{40}$/);
    assert.equal(identity.trustAnchor, identity.identifier);
    assert.equal(statSync(data).mode & 0o777, 0o700);
    assert.equal(statSync(join(data, 'identity.bin')).mode & 0o777, 0o600);
    assert.equal(JSON.parse(burrow('identity', 'show', '--json').out).identifier, identity.identifier, 'stable');

    assert.match(burrow('enroll', DEVICE, '--attr', 'role=sensor').out, /^enrolled I(ab){20} \(role=sensor\)/);
    assert.equal(burrow('enroll', 'Inot-an-id').code, 1);

    const ticket = burrow('ticket', 'create', '--attr', 'role=sensor', '--ttl', '10m');
    assert.equal(ticket.code, 0, ticket.err);
    const secret = ticket.out.trim();
    assert.match(secret, /^[0-9a-f]{32}$/);
    assert.match(ticket.err, /single use, expires .*role=sensor/);
    for (const file of readdirSync(data)) assert.ok(!readFileSync(join(data, file)).toString('latin1').includes(secret), `${file} holds no ticket secret`);
    assert.equal(burrow('ticket', 'create', '--ttl', '90d').code, 1, 'too long a ticket');

    assert.equal(burrow('status').code, 1, 'no service');
    const queued = burrow('command', DEVICE, 'identify', '{"blinks":2}', '--wait', '0');
    assert.equal(queued.code, 0, queued.err);
    assert.match(queued.out, /identify \{"blinks":2\}\s+queued/);
  });

  it('runs the service; status, revoke and readings --follow work beside it; SIGTERM stops it', async () => {
    const cloud = await start(/devices route to "tcp:127\.0\.0\.1:\d+ => api"/, 'cloud', '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn');
    const status = burrow('status');
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /^service I[0-9a-f]{40} on tcp:127\.0\.0\.1:\d+, 0 channel\(s\)/);

    const store = new SqliteStore(join(data, 'burrow.db'));
    store.storeReadings(DEVICE, 0, [reading(0, 21.5)], Date.now());
    const follow = await start(/seq 0 /, 'readings', '--device', DEVICE, '--follow');
    store.storeReadings(DEVICE, 0, [reading(1, 22.25)], Date.now());
    await new Promise<void>((resolve, reject) => {
      const end = setTimeout(() => reject(new Error(`no follow output: ${follow.output()}`)), 5_000);
      const check = setInterval(() => { if (/seq 1 .*temp=22\.25/.test(follow.output())) { clearInterval(check); clearTimeout(end); resolve(); } }, 50);
    });
    follow.child.kill('SIGINT');
    assert.equal(await exited(follow.child), 0);
    store.close();
    const json = burrow('readings', '--json');
    assert.deepEqual(json.out.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [0, 1]);

    const revoked = burrow('revoke', DEVICE);
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(revoked.out, /^revoked I(ab){20}/);
    assert.equal(burrow('revoke', DEVICE).code, 1, 'already revoked');

    cloud.child.kill('SIGTERM');
    assert.equal(await exited(cloud.child), 0);
    assert.ok(!existsSync(join(data, 'control.sock')));
  });
});
