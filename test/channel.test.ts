/**
 * The channel transport's portable suite on Node, with both crypto backends (the same suite
 * runs on XS from test/xs-engine.test.ts), plus what only Node can check: util.inspect.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { toHex } from '../protocol/bytes.ts';
import { MessageType, REKEY_INTERVAL } from '../protocol/channel/constants.ts';
import { ChannelTransport } from '../protocol/channel/transport.ts';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { channelPair, channelSuite } from './portable/channel.suite.ts';
import { registerSuite } from './portable/mocha.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));

registerSuite(channelSuite(nobleProvider(random)));
registerSuite(channelSuite(nodeCryptoProvider(random)));

describe('channel transport on Node', () => {
  it('util.inspect shows no key, even with hidden properties', () => {
    const { a, b, kAB, kBA } = channelPair(nobleProvider(random));
    b.decrypt(a.encrypt(MessageType.PAYLOAD, new Uint8Array(3)));
    for (const shown of [inspect(a), inspect(b, { showHidden: true, depth: 5 }), inspect({ channel: b }, { depth: 5 })]) {
      for (const k of [kAB, kBA]) assert.ok(!shown.includes(toHex(k).slice(0, 16)), 'key visible');
    }
    assert.match(inspect(a), /ChannelTransport\(open, sent 1, received 0, keys hidden\)/);
  });

  it('both backends speak the same wire format, across key epochs', () => {
    const noble = channelPair(nobleProvider(random));
    const node = nodeCryptoProvider(random).cipher('ChaChaPoly');
    const peer = new ChannelTransport({ cipher: node, sendKey: noble.kBA, receiveKey: noble.kAB, binding: noble.h });
    noble.a.discardSendNonces(3 * REKEY_INTERVAL);
    assert.equal(peer.decrypt(noble.a.encrypt(MessageType.PAYLOAD, Uint8Array.of(1, 2))).body[1], 2);
    peer.discardSendNonces(REKEY_INTERVAL);
    assert.equal(noble.a.decrypt(peer.encrypt(MessageType.PAYLOAD, Uint8Array.of(3))).body[0], 3);
  });
});
