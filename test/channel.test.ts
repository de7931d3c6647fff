import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { BurrowError } from '../protocol/errors.ts';
import { channelPair, channelSuite } from './portable/channel.suite.ts';
import { registerSuite } from './portable/mocha.ts';
import { checkEveryCorruption, checkEveryTruncation, fuzzDecoder } from './support/decoder-harness.ts';
import { MessageType } from '../protocol/channel/transport.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
registerSuite(channelSuite(nobleProvider(random)));
registerSuite(channelSuite(nodeCryptoProvider(random)));

describe('channel transport decoder under attack', () => {
  const [a, b] = channelPair(nodeCryptoProvider(random));
  const valid = [a.encrypt(MessageType.PAYLOAD, new Uint8Array(10)), a.encrypt(MessageType.PAYLOAD, new Uint8Array(0))];
  const decode = (bytes: Uint8Array) => b.decrypt(bytes);

  it('random and mutated input only ever fails typed; only the genuine messages open, once', () => {
    const before = b.counters.received;
    fuzzDecoder(decode, valid, { maxLength: 120 });
    assert.ok(b.counters.received - before <= valid.length, 'only unmutated samples authenticated');
  });

  it('every truncation and every single-byte corruption is refused', () => {
    for (const v of valid) {
      checkEveryTruncation(decode, v);
      assert.equal(checkEveryCorruption(decode, v), 0);
    }
  });

  it('errors carry stable codes and no key material', () => {
    try {
      b.decrypt(new Uint8Array(30));
      assert.fail('accepted garbage');
    } catch (e) {
      assert.ok(e instanceof BurrowError);
      assert.ok(!JSON.stringify(b).includes('Key'), 'keys are not enumerable');
    }
  });
});
