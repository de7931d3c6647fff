/**
 * The secure channel end to end, as a function of the provider (Node and XS): an XX handshake
 * carrying identities, first contact and known-peer sizes, trust failures, and 1,000 channel
 * messages delivered out of order.
 */
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { createIdentity, type LocalIdentity } from '../../protocol/identity/identity.ts';
import { allowList, PeerCache, pinnedAnchor } from '../../protocol/identity/trust.ts';
import { InitiatorHandshake, ResponderHandshake, type HandshakeConfig } from '../../protocol/secure-channel/handshake.ts';
import { MessageType } from '../../protocol/channel/transport.ts';
import { seededRandom } from '../../simulators/xs/random.ts';
import { check, checkEqual, checkThrowsCode, type Suite } from './suite.ts';
import { NOW } from './identity.suite.ts';

const YEAR = 365 * 86400;

export interface Parties {
  readonly device: LocalIdentity;
  readonly cloud: LocalIdentity;
  readonly deviceCache: PeerCache;
  readonly cloudCache: PeerCache;
}

export function makeParties(provider: CryptoProvider): Parties {
  return {
    device: createIdentity(provider, NOW, NOW + YEAR),
    cloud: createIdentity(provider, NOW, NOW + YEAR),
    deviceCache: new PeerCache(),
    cloudCache: new PeerCache(),
  };
}

/** One full handshake between the parties; returns both ends and the three message sizes. */
export function handshake(provider: CryptoProvider, p: Parties, options: { known?: boolean; deviceClock?: boolean } = {}) {
  const deviceConfig: HandshakeConfig = { provider, identity: p.device, policy: pinnedAnchor(p.cloud.id), cache: p.deviceCache, now: () => (options.deviceClock === false ? undefined : NOW + 60) };
  const cloudConfig: HandshakeConfig = { provider, identity: p.cloud, policy: allowList([p.device.id]), cache: p.cloudCache, now: () => NOW + 60 };
  const initiator = new InitiatorHandshake(deviceConfig, { knowsResponder: options.known ?? false, sendReference: options.known ?? false });
  const responder = new ResponderHandshake(cloudConfig);
  const m1 = initiator.start();
  const m2 = responder.receiveHello(m1);
  const device = initiator.receive(m2);
  const cloud = responder.receiveFinish(device.reply);
  return { device, cloud, sizes: [m1.length, m2.length, device.reply.length] };
}

export function secureChannelSuite(provider: CryptoProvider): Suite {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    name: `secure channel (${provider.name})`,
    cases: [
      {
        name: 'first contact: mutual verification in <= 450 bytes; then known peers in <= 250',
        run() {
          const p = makeParties(provider);
          const first = handshake(provider, p);
          checkEqual(first.device.peer.id, p.cloud.id, 'device verified the cloud');
          checkEqual(first.cloud.peer.id, p.device.id, 'cloud verified the device');
          check(sum(first.sizes) <= 450, `first contact ${sum(first.sizes)} bytes`);
          const again = handshake(provider, p, { known: true });
          check(again.device.peer.fromCache && again.cloud.peer.fromCache, 'both resolved by reference');
          check(sum(again.sizes) <= 250, `known-peer handshake ${sum(again.sizes)} bytes`);
        },
      },
      {
        name: 'a device without a clock accepts its pinned cloud',
        run: () => checkEqual(handshake(provider, makeParties(provider), { deviceClock: false }).device.peer.fromCache, false, 'verified in full'),
      },
      {
        name: 'an impostor cloud and an unknown device are refused',
        run() {
          const p = makeParties(provider);
          const impostor = { ...p, cloud: createIdentity(provider, NOW, NOW + YEAR) };
          const deviceConfig: HandshakeConfig = { provider, identity: p.device, policy: pinnedAnchor(p.cloud.id), now: () => NOW };
          const initiator = new InitiatorHandshake(deviceConfig);
          const m2 = new ResponderHandshake({ provider, identity: impostor.cloud, policy: allowList([p.device.id]), now: () => NOW }).receiveHello(initiator.start());
          checkThrowsCode(() => initiator.receive(m2), 'IDENTITY_NOT_TRUSTED', 'impostor cloud');
          const stranger = new InitiatorHandshake({ ...deviceConfig, identity: createIdentity(provider, NOW, NOW + YEAR) });
          const responder = new ResponderHandshake({ provider, identity: p.cloud, policy: allowList([p.device.id]), now: () => NOW });
          const finish = stranger.receive(responder.receiveHello(stranger.start())).reply;
          checkThrowsCode(() => responder.receiveFinish(finish), 'IDENTITY_NOT_TRUSTED', 'unknown device');
        },
      },
      {
        name: 'a forged message 2 is refused and the genuine one still completes',
        run() {
          const p = makeParties(provider);
          const initiator = new InitiatorHandshake({ provider, identity: p.device, policy: pinnedAnchor(p.cloud.id), now: () => NOW });
          const responder = new ResponderHandshake({ provider, identity: p.cloud, policy: allowList([p.device.id]), now: () => NOW });
          const m2 = responder.receiveHello(initiator.start());
          const forged = m2.slice();
          forged[40] = forged[40]! ^ 1;
          checkThrowsCode(() => initiator.receive(forged), 'CRYPTO_DECRYPT_FAILED', 'forged message 2');
          checkEqual(responder.receiveFinish(initiator.receive(m2).reply).peer.id, p.device.id, 'genuine completes');
        },
      },
      {
        name: '1,000 channel messages each way, reordered, arrive exactly once',
        run() {
          const { device, cloud } = handshake(provider, makeParties(provider));
          const random = seededRandom(7);
          for (const [from, to] of [[device.channel, cloud.channel], [cloud.channel, device.channel]] as const) {
            const wires = Array.from({ length: 1000 }, (_, i) => from.encrypt(MessageType.PAYLOAD, Uint8Array.of(i & 255, i >> 8)));
            for (let i = wires.length - 1; i > 0; i--) {
              const j = Math.max(0, i - (random(1)[0]! % 64));
              [wires[i], wires[j]] = [wires[j]!, wires[i]!];
            }
            const seen = new Set<number>();
            for (const w of wires) {
              const m = to.decrypt(w);
              checkEqual(m.body[0]! | (m.body[1]! << 8), m.nonce, 'body matches counter');
              seen.add(m.nonce);
            }
            checkEqual(seen.size, 1000, 'all delivered once');
            checkThrowsCode(() => to.decrypt(wires[0]!), 'CHANNEL_REPLAY', 'replay refused');
          }
        },
      },
    ],
  };
}
