/**
 * `burrow conformance noise` as a user runs it: the real bin/burrow.js in a child process, on
 * the official snow file, on doctored copies of it, and on files that are not vector files.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, VECTOR_DIR, vectorsAvailable } from './support/noise-vectors.ts';

const SNOW = join(VECTOR_DIR, 'snow.json');

function conformance(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/burrow.js'), 'conformance', ...args], { encoding: 'utf8' });
  return { code: r.status, lines: r.stdout.trim().split('\n').filter((l) => l !== ''), err: r.stderr };
}

interface RawVector {
  protocol_name: string;
  messages: { payload: string; ciphertext: string }[];
  [field: string]: unknown;
}

const flipFirstDigit = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('burrow conformance noise', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => { tmp = mkdtempSync(join(tmpdir(), 'burrow-conformance-')); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function write(name: string, content: unknown): string {
    const path = join(tmp, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  function snowVectors(): RawVector[] {
    return (JSON.parse(readFileSync(SNOW, 'utf8')) as { vectors: RawVector[] }).vectors;
  }

  it('passes the 8 XX_25519 vectors of snow.json (both roles, both backends), exit 0', function () {
    if (!vectorsAvailable()) this.skip();
    const r = conformance('noise', SNOW);
    assert.equal(r.code, 0, r.lines.join('\n') + r.err);
    assert.deepEqual(r.lines, ['8 passed, 0 failed']);
  });

  it('counts one corrupted vector as 1 failed, with a line per failed run, exit 1', function () {
    if (!vectorsAvailable()) this.skip();
    const vectors = snowVectors();
    const target = vectors.findIndex((v) => v.protocol_name === 'Noise_XX_25519_ChaChaPoly_SHA256');
    const m = vectors[target]!.messages[1]!;
    m.ciphertext = flipFirstDigit(m.ciphertext);
    const r = conformance('noise', write('corrupt.json', { vectors }), '--backend', 'node');
    assert.equal(r.code, 1);
    assert.equal(r.lines.at(-1), '7 passed, 1 failed');
    const failures = r.lines.slice(0, -1);
    assert.equal(failures.length, 2, failures.join('\n'));
    assert.match(failures[0]!, new RegExp(`^FAIL #${target} Noise_XX_25519_ChaChaPoly_SHA256 as initiator on node:crypto: `));
    assert.match(failures[1]!, / as responder on node:crypto: .*message 2/);
  });

  it('passes a vector marked "fail" only when it fails, and fails it when it completes', function () {
    if (!vectorsAvailable()) this.skip();
    const good = snowVectors().find((v) => v.protocol_name === 'Noise_XX_25519_AESGCM_SHA256')!;
    const broken = structuredClone(good);
    broken.messages[2]!.ciphertext = flipFirstDigit(broken.messages[2]!.ciphertext);
    const r = conformance('noise', write('fail.json', [{ ...broken, fail: true }, { ...good, fail: true }]), '--backend', 'noble');
    assert.equal(r.code, 1);
    assert.equal(r.lines.at(-1), '1 passed, 1 failed');
    assert.ok(r.lines.slice(0, -1).every((l) => l.startsWith('FAIL #1 ') && l.includes('marked "fail" but completed')), r.lines.join('\n'));
  });

  it('turns odd fields into counted failures and unsupported suites into skips, never a crash', () => {
    const messages = [{ payload: '', ciphertext: '' }, { payload: '', ciphertext: '' }, { payload: '', ciphertext: '' }];
    const base = { protocol_name: 'Noise_XX_25519_ChaChaPoly_SHA256', init_prologue: '', resp_prologue: '', init_static: '00', init_ephemeral: 'zz', resp_static: '', resp_ephemeral: '', messages };
    const path = write('odd.json', [
      base,
      { ...base, messages: 5 },
      { ...base, init_static: '11'.repeat(32), init_ephemeral: '22'.repeat(32), resp_static: '33'.repeat(32), resp_ephemeral: '44'.repeat(32), messages: [] },
      { ...base, init_static: '11'.repeat(32), init_ephemeral: '22'.repeat(32), resp_static: '33'.repeat(32), resp_ephemeral: '44'.repeat(32) },
      42,
      null,
      { protocol_name: 7 },
      { protocol_name: 'Noise_XXpsk3_25519_ChaChaPoly_SHA256' },
      { protocol_name: 'Noise_XX_25519_ChaChaPoly_SHA256', init_psks: ['00'] },
      { protocol_name: 'Noise_XX_25519_ChaChaPoly_BLAKE3' },
    ]);
    const r = conformance('noise', path, '--backend', 'noble');
    assert.equal(r.code, 1, r.err);
    assert.equal(r.lines.at(-1), '0 passed, 4 failed, 1 skipped');
    assert.match(r.lines[0]!, /^FAIL #0 .*malformed vector: init_static must be 32 bytes/);
    assert.match(r.lines[1]!, /^FAIL #1 .*malformed vector: messages must be an array/);
    assert.match(r.lines[2]!, /^FAIL #2 .*malformed vector: messages must hold at least the 3 handshake messages/);
    assert.match(r.lines[3]!, /^FAIL #3 Noise_XX_25519_ChaChaPoly_SHA256 as initiator on noble: message 1 ciphertext: expected , got /);
    assert.match(r.lines[4]!, /^FAIL #3 Noise_XX_25519_ChaChaPoly_SHA256 as responder on noble: message 1 is shorter than 32 bytes \[HANDSHAKE_BAD_MESSAGE\]$/);
    assert.equal(r.lines.length, 6);
    assert.match(r.err, /skipped #9 Noise_XX_25519_ChaChaPoly_BLAKE3/);
  });

  it('exits 2 with a message on garbage JSON, a non-vector file, a missing file and bad usage', () => {
    const garbage = conformance('noise', write('garbage.json', '{not json'));
    assert.equal(garbage.code, 2);
    assert.match(garbage.err, /not valid JSON/);
    const notVectors = conformance('noise', write('object.json', { tests: [] }));
    assert.equal(notVectors.code, 2);
    assert.match(notVectors.err, /not a vector file/);
    const missing = conformance('noise', join(tmp, 'missing.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no such file/);
    for (const args of [['noise'], ['noise', 'a.json', 'b.json'], ['noise', 'a.json', '--backend', 'rust'], ['noise', 'a.json', '--backend'], ['tls', 'a.json'], ['noise', 'a.json', '--fast']]) {
      const r = conformance(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /Usage: burrow conformance noise/);
    }
    const help = conformance('--help');
    assert.equal(help.code, 0);
    assert.match(help.lines[0]!, /^Usage: burrow conformance noise/);
  });

  it('reports an empty vector list as nothing run, exit 0', () => {
    const r = conformance('noise', write('empty.json', { vectors: [] }));
    assert.equal(r.code, 0);
    assert.deepEqual(r.lines, ['0 passed, 0 failed']);
    assert.match(r.err, /holds no Noise_XX_25519 vector/);
  });
});
