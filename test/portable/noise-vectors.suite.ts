/**
 * Runs official Noise vectors through HandshakeState and the split CipherStates, once per role:
 * as initiator our side writes the initiator's messages (bytes must match) and reads the
 * responder's (payloads must match); as responder the reverse. Transport messages after the
 * handshake alternate, responder first (message 3 onward, in the community format).
 */
import { EMPTY } from '../../protocol/bytes.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { HandshakeState } from '../../protocol/noise/handshake-state.ts';
import type { NoiseVector } from './noise-vector.ts';
import { checkBytes, type Suite, type TestCase } from './suite.ts';

export type Role = 'initiator' | 'responder';

/** Runs one vector in one role; throws AssertionFailed (or a crypto error) on any mismatch. */
export function runVector(provider: CryptoProvider, v: NoiseVector, role: Role): void {
  const initiator = role === 'initiator';
  const dh = provider.dh;
  const hs = new HandshakeState({
    provider,
    protocolName: v.protocolName,
    initiator,
    prologue: initiator ? v.initPrologue : v.respPrologue,
    s: dh.keyPairFromPrivate(initiator ? v.initStatic : v.respStatic),
    e: dh.keyPairFromPrivate(initiator ? v.initEphemeral : v.respEphemeral),
  });
  const HANDSHAKE_MESSAGES = 3;
  for (let i = 0; i < Math.min(HANDSHAKE_MESSAGES, v.messages.length); i++) {
    const m = v.messages[i]!;
    const ours = (i % 2 === 0) === initiator;
    if (ours) checkBytes(hs.writeMessage(m.payload), m.ciphertext, `message ${i} ciphertext`);
    else checkBytes(hs.readMessage(m.ciphertext), m.payload, `message ${i} payload`);
  }
  if (v.messages.length < HANDSHAKE_MESSAGES) return;
  if (v.handshakeHash !== undefined) checkBytes(hs.handshakeHash, v.handshakeHash, 'handshake hash');
  const { send, receive } = hs.split();
  for (let i = HANDSHAKE_MESSAGES; i < v.messages.length; i++) {
    const m = v.messages[i]!;
    const ours = (i % 2 === 0) === initiator;
    if (ours) checkBytes(send.encryptWithAd(EMPTY, m.payload), m.ciphertext, `transport message ${i}`);
    else checkBytes(receive.decryptWithAd(EMPTY, m.ciphertext), m.payload, `transport message ${i}`);
  }
}

export function noiseVectorSuite(provider: CryptoProvider, vectors: readonly NoiseVector[], expectedVectors: number): Suite {
  const cases: TestCase[] = [];
  vectors.forEach((v, index) => {
    for (const role of ['initiator', 'responder'] as const) {
      cases.push({ name: `#${index} ${v.protocolName} as ${role}`, run: () => runVector(provider, v, role) });
    }
  });
  return { name: `Noise vectors (${provider.name})`, cases, expectedCount: expectedVectors * 2 };
}
