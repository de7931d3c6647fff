/**
 * The relay over real loopback TCP: a cloud node with no listening port registers `cloud` at a
 * relay; a client reaches the cloud's `api` through [tcp:relay, fwd.cloud, api], completes a
 * mutually authenticated channel and gets replies from a service, while the relay carries only
 * ciphertext (the plaintext marker never crosses it). The relay refuses to dial out, frees a
 * name whose lease ran out, and its codecs refuse malformed registrations.
 */
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { utf8Decode, utf8Encode } from '../protocol/bytes.ts';
import { createIdentity } from '../protocol/identity/identity.ts';
import { allowList, pinnedAnchor } from '../protocol/identity/trust.ts';
import { route } from '../protocol/routing/route.ts';
import { Router } from '../protocol/routing/router.ts';
import type { RoutedMessage } from '../protocol/routing/message.ts';
import { SecureChannelInitiator } from '../protocol/secure-channel/initiator.ts';
import { SecureChannelListener } from '../protocol/secure-channel/listener.ts';
import { decodeRegistration, encodeRegistration } from '../relay/forwarder.ts';
import { RelayNode } from '../relay/relay-node.ts';
import { RelayRegistration } from '../relay/registration.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { errorCodeOf, fuzzDecoder } from './support/decoder-harness.ts';

const provider = nodeCryptoProvider();
const NOW = 1_800_000_000;
const clock = () => performance.now();
const until = async (done: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('relay', () => {
  const stops: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const s of stops.splice(0)) await s(); });

  it('reaches a cloud with no listening port through a forwarder, end to end encrypted', async () => {
    const relay = new RelayNode({ port: 0 });
    const { port } = await relay.start();
    stops.push(() => relay.stop());
    const seen: Uint8Array[] = [];
    const send = relay.tcp.send.bind(relay.tcp);
    relay.tcp.send = (m: RoutedMessage) => { seen.push(m.payload); send(m); };

    const cloudId = createIdentity(provider, NOW, NOW + 86400);
    const clientId = createIdentity(provider, NOW, NOW + 86400);
    const cloudRouter = new Router();
    const cloudTcp = new TcpTransport(cloudRouter);
    stops.push(() => cloudTcp.close());
    const listener = new SecureChannelListener(cloudRouter, {
      name: 'api', clock, handshake: { provider, identity: cloudId, policy: allowList([clientId.id]), now: () => NOW },
    });
    cloudRouter.register('uppercase', { handleMessage: (m, c) => c.reply(m, utf8Encode(utf8Decode(m.payload).toUpperCase())) });
    const registration = new RelayRegistration(cloudRouter, `tcp:127.0.0.1:${port}`, 'cloud', clock);

    const clientRouter = new Router();
    const clientTcp = new TcpTransport(clientRouter);
    stops.push(() => clientTcp.close());
    const replies: string[] = [];
    clientRouter.register('app', { handleMessage: (m) => { replies.push(utf8Decode(m.payload)); } });
    const initiator = new SecureChannelInitiator(clientRouter, {
      name: 'channel', route: registration.routeTo('api'), clock, resendMs: 200,
      handshake: { provider, identity: clientId, policy: pinnedAnchor(cloudId.id), now: () => NOW },
    });
    const timer = setInterval(() => { registration.poll(clock()); initiator.poll(clock()); listener.poll(clock()); }, 20);
    stops.push(() => clearInterval(timer));

    await until(() => registration.confirmedAt !== undefined);
    assert.deepEqual(relay.forwarding.list().map((f) => f.name), ['cloud']);
    initiator.start();
    await until(() => initiator.state === 'established');
    clientRouter.route({ onwardRoute: route(initiator.encryptor, 'uppercase'), returnRoute: route('app'), payload: utf8Encode('hello burrow 7f3a') });
    await until(() => replies.length === 1);
    assert.deepEqual(replies, ['HELLO BURROW 7F3A']);
    assert.equal(listener.channelOf(clientId.id)?.identifier, clientId.id);
    const crossed = seen.map((p) => Buffer.from(p).toString('latin1')).join('|');
    assert.ok(seen.length >= 5 && !crossed.includes('hello burrow') && !crossed.includes('HELLO BURROW'), 'the relay carried only ciphertext');
  });

  it('dials nothing and drops what is not for a forwarder or an accepted connection', async () => {
    const relay = new RelayNode({ port: 0 });
    const { port } = await relay.start();
    stops.push(() => relay.stop());
    const router = new Router();
    const tcp = new TcpTransport(router);
    stops.push(() => tcp.close());
    router.route({ onwardRoute: route(`tcp:127.0.0.1:${port}`, 'tcp:example.com:80', 'x'), returnRoute: route('me'), payload: new Uint8Array(3) });
    router.route({ onwardRoute: route(`tcp:127.0.0.1:${port}`, 'fwd.nobody', 'x'), returnRoute: route('me'), payload: new Uint8Array(3) });
    await until(() => (relay.tcp.counters.dropped['INBOUND_REFUSED'] ?? 0) === 2);
    assert.equal(relay.tcp.counters.connectionsDialled, 0);
  });

  it('frees a name whose lease ran out', async () => {
    let now = 0;
    const relay = new RelayNode({ port: 0, leaseSeconds: 2, clock: () => now });
    const { port } = await relay.start();
    stops.push(() => relay.stop());
    const router = new Router();
    const tcp = new TcpTransport(router);
    stops.push(() => tcp.close());
    const reg = new RelayRegistration(router, `tcp:127.0.0.1:${port}`, 'edge', () => now);
    reg.poll(now);
    await until(() => reg.confirmedAt !== undefined);
    now = 2500;
    relay.forwarding.expire();
    assert.deepEqual(relay.forwarding.list(), []);
  });

  it('refuses malformed registrations with typed errors', () => {
    assert.equal(decodeRegistration(encodeRegistration('cloud-1')), 'cloud-1');
    assert.equal(errorCodeOf(() => encodeRegistration('no spaces')), 'DECODE_BAD_VALUE');
    assert.equal(errorCodeOf(() => decodeRegistration(Uint8Array.of(2, 0, 1, 0x61))), 'DECODE_BAD_VALUE');
    fuzzDecoder(decodeRegistration, [encodeRegistration('cloud')], { maxLength: 80 });
  });
});
