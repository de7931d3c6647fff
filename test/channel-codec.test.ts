/**
 * The channel's decoders under attack: the header codec, the plaintext codec and the whole
 * transport decrypt, fed random bytes, mutations of genuine messages (fuzzDecoder, FUZZ_RUNS
 * runs each), every truncation and every single-byte corruption. Only typed errors may come
 * out, and only genuine messages may open.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { CHANNEL_OVERHEAD, MessageType, REKEY_INTERVAL } from '../protocol/channel/constants.ts';
import { decodePlaintext, decodeSealedMessage, encodeHeader, encodePlaintext } from '../protocol/channel/codec.ts';
import { channelPair } from './portable/channel.suite.ts';
import { checkEveryCorruption, checkEveryTruncation, FUZZ_RUNS, fuzzDecoder } from './support/decoder-harness.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));

describe('channel codec', () => {
  const minimal = new Uint8Array(CHANNEL_OVERHEAD); // counter 0, empty body
  const samples = [minimal, Uint8Array.of(...encodeHeader(0x1fffffffffffff), ...new Uint8Array(40))];

  it(`header decoder: ${FUZZ_RUNS} random and mutated inputs fail only typed`, () => {
    fuzzDecoder(decodeSealedMessage, samples, { maxLength: 200 });
  });

  it('header decoder: every truncation of the smallest message is refused', () => {
    checkEveryTruncation(decodeSealedMessage, minimal);
    checkEveryCorruption(decodeSealedMessage, samples[1]!);
  });

  it('header decoder: views, not copies, and the counter read back', () => {
    const m = decodeSealedMessage(samples[1]!);
    assert.equal(m.counter, Number.MAX_SAFE_INTEGER);
    assert.equal(m.sealed.length, 40);
    assert.equal(m.header.buffer, samples[1]!.buffer);
  });

  it(`plaintext decoder: ${FUZZ_RUNS} inputs fail only typed; every truncation and corruption checked`, () => {
    const valid = [encodePlaintext(MessageType.PAYLOAD, Uint8Array.of(1, 2, 3)), encodePlaintext(MessageType.CLOSE, new Uint8Array(0))];
    fuzzDecoder(decodePlaintext, valid, { maxLength: 64 });
    checkEveryTruncation(decodePlaintext, valid[1]!);
    assert.equal(checkEveryCorruption(decodePlaintext, valid[1]!), 0, 'type byte 0xfe is undefined');
  });
});

for (const provider of [nobleProvider(random), nodeCryptoProvider(random)]) {
  describe(`channel decrypt under attack (${provider.name})`, () => {
    it(`${FUZZ_RUNS} random and mutated messages: typed errors only, only genuine ones open, once`, () => {
      const { a, b } = channelPair(provider);
      // A payload sample, not a CLOSE: an opened CLOSE would make every later input trivially closed.
      const genuine = a.encrypt(MessageType.PAYLOAD, new Uint8Array(10));
      const opened: number[] = [];
      fuzzDecoder((bytes) => {
        const m = b.decrypt(bytes);
        opened.push(m.nonce);
        return m;
      }, [genuine], { maxLength: 120 });
      assert.ok(opened.length <= 1, 'at most the genuine payload opened');
      assert.equal(b.counters.received, opened.length);
    });

    it('every truncation and every single-byte corruption is refused, and moves nothing', () => {
      const { a, b } = channelPair(provider);
      a.discardSendNonces(REKEY_INTERVAL + 5); // a later epoch, so corruptions could move keys
      const message = a.encrypt(MessageType.PAYLOAD, Uint8Array.of(1, 2, 3, 4));
      const decode = (bytes: Uint8Array) => b.decrypt(bytes, 99);
      checkEveryTruncation(decode, message);
      assert.equal(checkEveryCorruption(decode, message), 0);
      assert.deepEqual(b.receiveEpochs, [0]);
      assert.equal(b.lastActivity, 0);
      assert.equal(b.decrypt(message).nonce, REKEY_INTERVAL + 5, 'the genuine message still opens');
    });
  });
}
