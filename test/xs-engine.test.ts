/**
 * The platform-neutral core on the real XS engine (xsnap-worker from @agoric/xsnap): every
 * portable suite of test/xs/suites.ts, bundled once and run case by case in one process, with
 * the official Noise vectors sent from the host.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsBundleHost } from '../simulators/xs/bundle-host.ts';
import { KAT_BASE_CASES } from './portable/crypto-kat.suite.ts';
import { isXX25519, vectorEntries } from './portable/noise-vector.ts';
import { VECTOR_DIR, VECTOR_FILES, vectorsAvailable } from './support/noise-vectors.ts';
import { localSuite, registerXsSuite } from './xs/mocha-xs.ts';
import type { KatData, NoiseVectorData } from './xs/suites.ts';
import { XS_SUITES } from './xs/suites.ts';

const ENTRY = fileURLToPath(new URL('./xs/portable-entry.ts', import.meta.url));

function noiseData(file: string, expected: number): NoiseVectorData {
  const raw = vectorEntries(JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8'))).filter(isXX25519);
  return { vectors: raw, expected };
}

describe('portable suites on the XS engine (xsnap-worker)', function () {
  let host: XsBundleHost | undefined;
  const current = (): XsBundleHost => {
    if (!host) throw new Error('xsnap-worker did not start');
    return host;
  };
  before(async function () {
    this.timeout(60_000);
    host = await XsBundleHost.start({ entry: ENTRY, name: 'xs-portable' });
    console.log(`    (XS test bundle: ${host.bundleBytes} bytes, ${host.loadMeter.compute} meter units to load)`);
  });
  after(async () => {
    await host?.close();
  });

  // RFC 7748's 1,000 iterations (2,000 scalar multiplications, about 8 s on XS) run only when
  // BURROW_SLOW_TESTS=1, as on Node.
  const kat: KatData = { iterated1000: process.env['BURROW_SLOW_TESTS'] === '1' };
  // Plus one case for the raw AEAD (§2.8.2), and one for the iterations when asked.
  registerXsSuite(current, { id: 'crypto-kat', suite: 'crypto-kat', data: kat, expectedCases: KAT_BASE_CASES + 1 + (kat.iterated1000 ? 1 : 0) });

  if (vectorsAvailable()) {
    for (const [file, expected] of Object.entries(VECTOR_FILES)) {
      // Two cases per vector: we play the initiator, then the responder.
      registerXsSuite(current, { id: `noise-vectors ${file}`, suite: 'noise-vectors', data: noiseData(file, expected), expectedCases: expected * 2 });
    }
  } else {
    it('official Noise vectors: skipped', function () {
      console.log(`    (skipping: ${VECTOR_DIR} is absent)`);
      this.skip();
    });
  }

  // The channel suite draws its keys from the host's CSPRNG through issueCommand.
  const others = Object.keys(XS_SUITES).filter((name) => name !== 'crypto-kat' && name !== 'noise-vectors');
  for (const name of others) {
    const random = name === 'channel' ? { kind: 'host' as const } : undefined;
    // These suites' counts are whatever Node builds: XS must run exactly the same cases.
    const expectedCases = localSuite({ suite: name }).cases.length;
    registerXsSuite(current, { id: name, suite: name, expectedCases, ...(random ? { random } : {}) });
  }

  it('left the engine alive', () => {
    assert.equal(current().xs.error, undefined);
    const printed = current().xs.stdout();
    if (printed) console.log(`    (XS printed:)\n${printed}`);
  });
});
