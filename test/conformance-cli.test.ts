import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, VECTOR_DIR, vectorsAvailable } from './support/noise-vectors.ts';

function conformance(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/burrow.js'), 'conformance', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('burrow conformance noise', function () {
  this.timeout(60000);
  const tmp = mkdtempSync(join(tmpdir(), 'burrow-conf-'));

  it('passes every XX_25519 vector of snow.json in both roles on both backends', function () {
    if (!vectorsAvailable()) this.skip();
    const r = conformance('noise', join(VECTOR_DIR, 'snow.json'));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out.trim().split('\n').at(-1)!, /^32 passed, 0 failed$/);
  });

  it('counts one corrupted vector as failed in each role and backend, exit 1', function () {
    if (!vectorsAvailable()) this.skip();
    const file = JSON.parse(readFileSync(join(VECTOR_DIR, 'snow.json'), 'utf8')) as { vectors: { protocol_name: string; messages: { ciphertext: string }[] }[] };
    const xx = file.vectors.filter((v) => v.protocol_name === 'Noise_XX_25519_ChaChaPoly_SHA256').slice(0, 1);
    const m = xx[0]!.messages[1]!;
    m.ciphertext = (m.ciphertext[0] === '0' ? '1' : '0') + m.ciphertext.slice(1);
    const path = join(tmp, 'corrupt.json');
    writeFileSync(path, JSON.stringify({ vectors: xx }));
    const r = conformance('noise', path);
    assert.equal(r.code, 1);
    assert.match(r.out, /^0 passed, 4 failed$/m);
  });

  it('survives odd fields (bad hex, wrong key length, missing messages) as failures', () => {
    const base = { protocol_name: 'Noise_XX_25519_ChaChaPoly_SHA256', init_prologue: '', resp_prologue: '', init_static: '00', init_ephemeral: 'zz', resp_static: '', resp_ephemeral: '' };
    const path = join(tmp, 'odd.json');
    writeFileSync(path, JSON.stringify([base, { ...base, messages: 5 }, 42, null, { protocol_name: 'Noise_XX_25519_ChaChaPoly_BLAKE3' }]));
    const r = conformance('noise', path, '--backend', 'noble');
    assert.equal(r.code, 1);
    assert.match(r.out, /^0 passed, 4 failed, 2 skipped$/m);
  });

  it('exits 2 with a message on garbage JSON, a missing file and bad usage', () => {
    const path = join(tmp, 'garbage.json');
    writeFileSync(path, '{not json');
    assert.equal(conformance('noise', path).code, 2);
    assert.match(conformance('noise', join(tmp, 'missing.json')).err, /cannot read/);
    assert.equal(conformance('noise').code, 2);
    assert.equal(conformance('noise', path, '--backend', 'rust').code, 2);
    assert.equal(conformance('--help').code, 0);
  });
});
