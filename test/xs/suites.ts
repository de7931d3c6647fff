/**
 * The portable suites that also run inside XS, by name: adding one is one line here.
 *
 * A factory takes the provider (noble, over the RandomSource the host chose) and the JSON data
 * the host sent; most ignore the data, so a plain `(provider) => Suite` fits as it is. The XS
 * bundle (portable-entry.ts) builds suites from this table, and the host builds the same table
 * on Node to learn each suite's case names before XS runs them.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { Suite } from '../portable/suite.ts';
import { channelSuite } from '../portable/channel.suite.ts';
import { cryptoKatSuite, type RawAead } from '../portable/crypto-kat.suite.ts';
import { framingSuite } from '../portable/framing.suite.ts';
import { uartLinkSuite } from '../portable/framing-uart-link.suite.ts';
import { identitySuite } from '../portable/identity.suite.ts';
import { parseNoiseVector } from '../portable/noise-vector.ts';
import { noiseVectorSuite } from '../portable/noise-vectors.suite.ts';
import { routingSuite } from '../portable/routing.suite.ts';
import { secureChannelSuite } from '../portable/secure-channel.suite.ts';

export type XsSuiteFactory = (provider: CryptoProvider, data: unknown) => Suite;

/** The data 'noise-vectors' takes: raw XX_25519 vectors and how many the file must hold. */
export interface NoiseVectorData {
  readonly vectors: readonly unknown[];
  readonly expected: number;
}

/** The data 'crypto-kat' takes. */
export interface KatData {
  readonly iterated1000: boolean;
}

/** noble's ChaCha20-Poly1305 with the RFC's own 96-bit nonce (crypto-kat's §2.8.2 case). */
export const nobleRawChaChaPoly: RawAead = (key, nonce, aad, plaintext) => chacha20poly1305(key, nonce, aad).encrypt(plaintext);

function noiseVectorsFrom(provider: CryptoProvider, data: unknown): Suite {
  const d = data as Partial<NoiseVectorData> | null;
  if (!d || !Array.isArray(d.vectors) || typeof d.expected !== 'number') throw new TypeError('noise-vectors needs data { vectors, expected }');
  return noiseVectorSuite(provider, d.vectors.map(parseNoiseVector), d.expected);
}

export const XS_SUITES: Readonly<Record<string, XsSuiteFactory>> = {
  'crypto-kat': (provider, data) => cryptoKatSuite(provider, { rawChaChaPoly: nobleRawChaChaPoly, iterated1000: (data as Partial<KatData> | null)?.iterated1000 === true }),
  'noise-vectors': noiseVectorsFrom,
  channel: channelSuite,
  framing: framingSuite,
  'uart-link': uartLinkSuite,
  identity: identitySuite,
  routing: routingSuite,
  'secure-channel': secureChannelSuite,
};
