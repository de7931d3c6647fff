/**
 * Official Noise vectors through HandshakeState and the split() CipherStates, once per role.
 * As initiator our side writes the initiator's messages (bytes must match the vector's
 * ciphertexts) and reads the responder's (payloads must match); as responder the reverse.
 * Transport messages after the handshake alternate, responder first (message 4 onward in the
 * community format), and handshake_hash is checked where the file gives it.
 *
 * Portable (no Node, no mocha): the XS runner bundles it and runs it on the device engine, and
 * `burrow conformance` runs `runVector` on files nobody here has seen.
 */
import { EMPTY } from '../../protocol/bytes.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { HandshakeState } from '../../protocol/noise/handshake-state.ts';
import { HANDSHAKE_MESSAGES, type NoiseVector } from './noise-vector.ts';
import { check, checkBytes, type Suite, type TestCase } from './suite.ts';

export type Role = 'initiator' | 'responder';

/** Runs one vector in one role; throws AssertionFailed (or a typed error) on any mismatch. */
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
  // Message i is the initiator's when i is even: -> e, <- e ee s es, -> s se, then transport.
  const ours = (i: number) => (i % 2 === 0) === initiator;
  for (let i = 0; i < HANDSHAKE_MESSAGES; i++) {
    const m = v.messages[i]!;
    if (ours(i)) checkBytes(hs.writeMessage(m.payload), m.ciphertext, `message ${i + 1} ciphertext`);
    else checkBytes(hs.readMessage(m.ciphertext), m.payload, `message ${i + 1} payload`);
  }
  check(hs.status === 'complete', `handshake not complete after ${HANDSHAKE_MESSAGES} messages`);
  if (v.handshakeHash !== undefined) checkBytes(hs.handshakeHash, v.handshakeHash, 'handshake hash');
  const { send, receive } = hs.split();
  for (let i = HANDSHAKE_MESSAGES; i < v.messages.length; i++) {
    const m = v.messages[i]!;
    if (ours(i)) checkBytes(send.encryptWithAd(EMPTY, m.payload), m.ciphertext, `transport message ${i + 1} ciphertext`);
    else checkBytes(receive.decryptWithAd(EMPTY, m.ciphertext), m.payload, `transport message ${i + 1} payload`);
  }
}

/**
 * One case per vector per role. `expected` is the number of vectors the caller meant to pass
 * in: the runner fails unless exactly twice as many cases ran, so a filter typo that selects
 * nothing cannot pass.
 */
export function noiseVectorSuite(provider: CryptoProvider, vectors: readonly NoiseVector[], expected: number): Suite {
  const cases: TestCase[] = [];
  vectors.forEach((v, index) => {
    for (const role of ['initiator', 'responder'] as const) {
      cases.push({ name: `#${index} ${v.protocolName} as ${role}`, run: () => runVector(provider, v, role) });
    }
  });
  return { name: `Noise vectors on ${provider.name}`, cases, expectedCount: expected * 2 };
}
