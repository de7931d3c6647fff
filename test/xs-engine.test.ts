/**
 * The platform-neutral core on the real XS engine (xsnap-worker from @agoric/xsnap): the same
 * portable suites mocha runs on Node, plus a device-side handshake whose cost XS meters.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureInitiatorHandshake, XsTestHost } from '../simulators/xs/measure.ts';
import type { CaseResult } from './xs/entry.ts';
import { XS_SUITES } from './xs/suites.ts';
import { isXX25519, vectorEntries } from './portable/noise-vector.ts';
import { VECTOR_DIR, VECTOR_FILES, vectorsAvailable } from './support/noise-vectors.ts';

function assertAllPassed(results: CaseResult[], expected: number): void {
  const failures = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.message}`);
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.equal(results.length, expected, `expected ${expected} cases on XS, ran ${results.length}`);
}

describe('on the XS engine (xsnap-worker)', function () {
  this.timeout(120000);
  let host: XsTestHost;
  before(async () => { host = await XsTestHost.start(); });
  after(async () => { await host?.close(); });

  for (const [file, expected] of Object.entries(VECTOR_FILES)) {
    it(`passes the ${expected} XX_25519 vectors of ${file} in both roles`, async function () {
      if (!vectorsAvailable()) {
        console.log(`    (skipping: ${VECTOR_DIR} is absent)`);
        this.skip();
      }
      const raw = vectorEntries(JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8'))).filter(isXX25519);
      const { reply } = await host.request<CaseResult[]>({ op: 'noise-vectors', vectors: raw, expected });
      assertAllPassed(reply, expected * 2);
    });
  }

  for (const name of Object.keys(XS_SUITES)) {
    it(`runs portable suite ${name}`, async () => {
      const { reply } = await host.request<CaseResult[]>({ op: 'suite', suite: name });
      assert.ok(reply.length > 0, 'suite ran no case');
      assertAllPassed(reply, reply.length);
    });
  }

  it('completes an XX initiator handshake against a node:crypto responder, metered', async () => {
    const cost = await measureInitiatorHandshake(host);
    console.log(`    XS initiator handshake: ${cost.compute.toLocaleString()} meter units, ${cost.slotsAboveBaseline} heap slots above baseline (garbage included), ${cost.retainedSlots} retained; bundle ${host.bundleBytes} bytes`);
    assert.deepEqual(cost.handshakeBytes, [32, 96, 64]);
    assert.ok(cost.compute > 0);
  });
});
