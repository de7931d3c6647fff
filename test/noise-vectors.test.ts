/**
 * The official vectors (cacophony and snow, Noise_XX_25519_*, no PSK) on both backends, in
 * both roles. Counts are asserted: 8 vectors per file, 16 x 2 roles = 32 cases per backend.
 */
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { registerSuite } from './portable/mocha.ts';
import { noiseVectorSuite } from './portable/noise-vectors.suite.ts';
import type { Suite } from './portable/suite.ts';
import { loadXXVectors, VECTOR_DIR, VECTOR_FILES, vectorsAvailable, type VectorFile } from './support/noise-vectors.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const FILES = Object.keys(VECTOR_FILES) as VectorFile[];
const TOTAL_VECTORS = FILES.reduce((sum, f) => sum + VECTOR_FILES[f], 0);

describe('official Noise vectors (Noise_XX_25519_*, non-PSK)', function () {
  if (!vectorsAvailable()) {
    it(`skipped: the vector folder ${VECTOR_DIR} is missing`, function () {
      console.log(`    (skipping: the vector folder ${VECTOR_DIR} is missing)`);
      this.skip();
    });
    return;
  }

  const vectors = new Map(FILES.map((f) => [f, loadXXVectors(f)]));
  for (const file of FILES) {
    it(`${file} holds exactly ${VECTOR_FILES[file]} supported XX_25519 vectors`, () => {
      const found = vectors.get(file)!.length;
      if (found !== VECTOR_FILES[file]) throw new Error(`expected ${VECTOR_FILES[file]}, found ${found}`);
    });
  }

  for (const provider of [nobleProvider(random), nodeCryptoProvider(random)]) {
    describe(`on ${provider.name}`, () => {
      let passed = 0;
      for (const file of FILES) {
        const suite = noiseVectorSuite(provider, vectors.get(file)!, VECTOR_FILES[file]);
        const counted: Suite = {
          ...suite,
          name: `${file}`,
          cases: suite.cases.map((c) => ({ name: c.name, run: () => { c.run(); passed++; } })),
        };
        registerSuite(counted);
      }
      // A describe of its own: mocha runs a describe's own tests before its nested suites.
      describe('count', () => {
        it(`passed ${TOTAL_VECTORS} vectors x 2 roles = ${TOTAL_VECTORS * 2} cases`, () => {
          if (passed !== TOTAL_VECTORS * 2) throw new Error(`passed ${passed} cases, expected ${TOTAL_VECTORS * 2}`);
        });
      });
    });
  }
});
