import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { decodeEnvelope } from '../protocol/secure-channel/envelope.ts';
import { registerSuite } from './portable/mocha.ts';
import { secureChannelSuite } from './portable/secure-channel.suite.ts';
import { checkEveryTruncation, fuzzDecoder } from './support/decoder-harness.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
registerSuite(secureChannelSuite(nobleProvider(random)));
registerSuite(secureChannelSuite(nodeCryptoProvider(random)));

describe('channel envelope decoder', () => {
  it('is fuzzed and refuses the empty envelope', () => {
    fuzzDecoder(decodeEnvelope, [Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    checkEveryTruncation(decodeEnvelope, Uint8Array.of(4));
  });
});
