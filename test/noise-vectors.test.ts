import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { noiseVectorSuite } from './portable/noise-vectors.suite.ts';
import { loadXXVectors, VECTOR_DIR, VECTOR_FILES, vectorsAvailable } from './support/noise-vectors.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const providers = [nobleProvider(random), nodeCryptoProvider(random)];

describe('official Noise vectors (Noise_XX_25519_*, non-PSK)', function () {
  if (!vectorsAvailable()) {
    it('skipped: vector folder missing', function () {
      console.log(`    (skipping: ${VECTOR_DIR} is absent, so the official-vector suite cannot run)`);
      this.skip();
    });
    return;
  }
  for (const [file, expected] of Object.entries(VECTOR_FILES)) {
    const vectors = loadXXVectors(file as keyof typeof VECTOR_FILES);
    it(`${file} holds exactly ${expected} XX_25519 vectors`, () => {
      if (vectors.length !== expected) throw new Error(`expected ${expected}, found ${vectors.length}`);
    });
    for (const provider of providers) {
      const suite = noiseVectorSuite(provider, vectors, expected);
      describe(`${file} on ${provider.name}`, () => {
        let ran = 0;
        for (const c of suite.cases) it(c.name, () => { c.run(); ran++; });
        it(`ran and passed all ${expected * 2} cases (both roles)`, () => {
          if (ran !== expected * 2 || suite.cases.length !== expected * 2) throw new Error(`ran ${ran} of ${suite.cases.length}, expected ${expected * 2}`);
        });
      });
    }
  }
});
