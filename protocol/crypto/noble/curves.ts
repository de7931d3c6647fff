/** X25519 (Noise §12.1) and Ed25519 (RFC 8032) over @noble/curves, with injected randomness. */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from '../../errors.ts';
import { SecretKeyPair } from '../keys.ts';
import type { DHFunctions, KeyPair, RandomSource, SignatureFunctions } from '../provider.ts';

function checkPrivate(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new CryptoError('CRYPTO_BAD_KEY', 'private key must be 32 bytes');
  }
}

export function nobleX25519(random: RandomSource): DHFunctions {
  const keyPairFromPrivate = (privateKey: Uint8Array): KeyPair => {
    checkPrivate(privateKey);
    return new SecretKeyPair(x25519.getPublicKey(privateKey), privateKey.slice());
  };
  return {
    name: '25519',
    dhLen: 32,
    generateKeyPair: () => keyPairFromPrivate(random(32)),
    keyPairFromPrivate,
    dh(keyPair, publicKey) {
      if (publicKey.length !== 32) throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 public key must be 32 bytes');
      try {
        return x25519.getSharedSecret(keyPair.privateKey, publicKey);
      } catch {
        // noble refuses low-order points (all-zero shared secret), as Noise §12.1 permits.
        throw new CryptoError('CRYPTO_BAD_KEY', 'X25519 rejected the public key (low order)');
      }
    },
  };
}

export function nobleEd25519(random: RandomSource): SignatureFunctions {
  const keyPairFromPrivate = (privateKey: Uint8Array): KeyPair => {
    checkPrivate(privateKey);
    return new SecretKeyPair(ed25519.getPublicKey(privateKey), privateKey.slice());
  };
  return {
    name: 'Ed25519',
    generateKeyPair: () => keyPairFromPrivate(random(32)),
    keyPairFromPrivate,
    sign: (keyPair, message) => ed25519.sign(message, keyPair.privateKey),
    verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return ed25519.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  };
}
