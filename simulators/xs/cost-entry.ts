/**
 * Bundled into XS by measure.ts: the device-side operations whose cost the bench reports, each
 * a measurement target (setup, then the call to measure). The provider is the firmware's
 * trimmed one (ChaChaPoly and SHA256 only) over a seeded RandomSource, so every run draws the
 * same ephemeral keys and the meter count is reproducible.
 *
 * The XX initiator talks to its responder through the host (HOST_SERVICE.peer), as the device
 * talks through its link: the responder's work happens on the host and is not metered.
 */
import { EMPTY } from '../../protocol/bytes.ts';
import { assembleNobleProvider } from '../../protocol/crypto/noble/index.ts';
import { chaChaPoly } from '../../protocol/crypto/noble/aead.ts';
import { sha256Hash } from '../../protocol/crypto/noble/hashes.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { HandshakeState } from '../../protocol/noise/handshake-state.ts';
import { PRODUCTION_PROTOCOL } from '../../protocol/noise/protocol-name.ts';
import { callHost, HOST_SERVICE } from './host-call.ts';
import { measurementCommands } from './measure-target.ts';
import { seededRandom } from './random.ts';
import { serveCommands } from './xs-commands.ts';

// Our limits.
/** Signed message size: an attestation (purpose key, expiry, identifier) is about this long. */
const SIGNED_BYTES = 128;

function firmwareProvider(seed: number): CryptoProvider {
  return assembleNobleProvider(seededRandom(seed), { name: 'noble-firmware', ciphers: [chaChaPoly], hashes: [sha256Hash] });
}

const fixed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

serveCommands(measurementCommands({
  'x25519-dh': () => {
    const { dh } = firmwareProvider(1);
    const ours = dh.keyPairFromPrivate(fixed(0x11));
    const theirs = dh.keyPairFromPrivate(fixed(0x22)).publicKey;
    return () => dh.dh(ours, theirs);
  },
  'ed25519-sign': () => {
    const { signature } = firmwareProvider(1);
    const key = signature.keyPairFromPrivate(fixed(0x33));
    const message = new Uint8Array(SIGNED_BYTES).fill(0x44);
    return () => signature.sign(key, message);
  },
  'ed25519-verify': () => {
    const { signature } = firmwareProvider(1);
    const key = signature.keyPairFromPrivate(fixed(0x33));
    const message = new Uint8Array(SIGNED_BYTES).fill(0x44);
    const sig = signature.sign(key, message);
    return () => {
      if (!signature.verify(key.publicKey, message, sig)) throw new Error('signature did not verify');
      return true;
    };
  },
  'xx-initiator': () => {
    const provider = firmwareProvider(2);
    // The static key belongs to provisioning, not to the handshake: derived during setup.
    const s = provider.dh.keyPairFromPrivate(fixed(0x55));
    return () => {
      const hs = new HandshakeState({ provider, protocolName: PRODUCTION_PROTOCOL, initiator: true, prologue: EMPTY, s });
      // -> e
      const message2 = callHost(HOST_SERVICE.peer, hs.writeMessage(EMPTY));
      // <- e, ee, s, es
      hs.readMessage(message2);
      // -> s, se
      callHost(HOST_SERVICE.peer, hs.writeMessage(EMPTY));
      return hs.split();
    };
  },
}));
