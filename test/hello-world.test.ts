/**
 * The README's first minute, run as a newcomer would: `burrow node create`, `burrow node
 * serve`, `burrow send`, directly and through `burrow relay` (where the serving node opens no
 * port), with mutual authorization by identifier: a sender that expects another identifier
 * gets no channel, and the key file is private.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const BURROW = join(import.meta.dirname, '..', 'bin', 'burrow.js');
const run = promisify(execFile);

describe('hello world (CLI)', function () {
  this.timeout(60_000);
  const cwd = mkdtempSync(join(tmpdir(), 'burrow-hello-'));
  const children: ChildProcess[] = [];
  after(() => { for (const c of children) c.kill('SIGTERM'); });

  const burrow = async (...args: string[]) => (await run('node', [BURROW, ...args], { cwd })).stdout.trim();
  /** Starts a long-running command and resolves once its stderr shows `ready`. */
  const start = (ready: RegExp, ...args: string[]) => new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn('node', [BURROW, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d; if (ready.test(err)) resolve(child); });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });

  let bob = '';
  let alice = '';
  before(async () => {
    [bob, alice] = await Promise.all([burrow('node', 'create', 'bob'), burrow('node', 'create', 'alice')]);
  });

  it('creates identities with private key files', () => {
    assert.match(bob, /^I[0-9a-f]{40}$/);
    assert.notEqual(bob, alice);
    assert.equal(statSync(join(cwd, '.burrow/nodes/bob/identity.bin')).mode & 0o777, 0o600);
  });

  it('sends through a secure channel to a listener, directly', async () => {
    await start(/listening/, 'node', 'serve', 'bob', '--port', '47391', '--authorized', alice);
    assert.equal(await burrow('send', 'alice', '--to', 'tcp:127.0.0.1:47391 => api', '--authorized', bob, 'uppercase', 'hello', 'burrow'), 'HELLO BURROW');
  });

  it('refuses a listener that is not the authorized identifier', async () => {
    await assert.rejects(
      burrow('send', 'alice', '--to', 'tcp:127.0.0.1:47391 => api', '--authorized', alice, '--timeout', '2', 'echo', 'x'),
      /IDENTITY_NOT_TRUSTED/,
    );
  });

  it('sends through a relay to a node with no listening port', async () => {
    await start(/listening/, 'relay', '--port', '47392');
    await start(/reachable at/, 'node', 'serve', 'bob', '--relay', 'tcp:127.0.0.1:47392', '--authorized', alice);
    assert.equal(await burrow('send', 'alice', '--to', 'tcp:127.0.0.1:47392 => fwd.bob => api', '--authorized', bob, 'echo', 'through the relay'), 'through the relay');
  });
});
