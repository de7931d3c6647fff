/**
 * Known answers from the RFCs, as a function of a CryptoProvider, so the same checks run on
 * Node (noble and node:crypto backends) and inside XS: a backend that passes them computes the
 * primitives the standards define, not merely something self-consistent.
 *
 * Inline constants rather than data files: each vector is a few lines, quoted from the section
 * named beside it, and XS cannot read files. One limit of the provider interface shapes the
 * AEAD cases: Noise fixes the first 32 nonce bits to zero (Noise §12.3), so the nonce of
 * RFC 8439 §2.8.2 (07000000 4041...) cannot pass through CipherFunctions. The provider is
 * checked instead against §2.4.2, whose nonce does have that form and whose ChaCha20 output at
 * block counter 1 is exactly the AEAD's ciphertext body (RFC 8439 §2.8); §2.8.2 itself runs
 * when the caller hands in the backend's raw 96-bit-nonce AEAD.
 */
import { fromHex, utf8Encode } from '../../protocol/bytes.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { check, checkBytes, checkEqual, checkThrowsCode, type Suite, type TestCase } from './suite.ts';

/** An RFC 8439 AEAD with its own 12-byte nonce: ciphertext with the 16-byte tag appended. */
export type RawAead = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => Uint8Array;

export interface KatOptions {
  /** Runs RFC 8439 §2.8.2 through this AEAD (the backend's own, beneath the provider). */
  readonly rawChaChaPoly?: RawAead;
  /** Runs RFC 7748 §5.2's 1,000-iteration answer: 2,000 scalar multiplications. */
  readonly iterated1000?: boolean;
}

const h = fromHex;

/** Cases every backend runs; the options add one each. */
export const KAT_BASE_CASES = 9;

// RFC 8439 §2.4.2 and §2.8.2 share this plaintext.
const SUNSCREEN = utf8Encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const TAG_BYTES = 16;

function x25519(provider: CryptoProvider, scalar: Uint8Array, u: Uint8Array): Uint8Array {
  return provider.dh.dh(provider.dh.keyPairFromPrivate(scalar), u);
}

/** RFC 7748 §5.2: k = u = 9; repeat k, u = X25519(k, u), k. */
function iterateX25519(provider: CryptoProvider, times: number): Uint8Array {
  let k = h('0900000000000000000000000000000000000000000000000000000000000000');
  let u = k;
  for (let i = 0; i < times; i++) [k, u] = [x25519(provider, k, u), k];
  return k;
}

function ed25519Case(provider: CryptoProvider, name: string, secret: string, publicKey: string, message: string, signature: string): TestCase {
  return {
    name,
    run() {
      const sig = provider.signature;
      const pair = sig.keyPairFromPrivate(h(secret));
      checkBytes(pair.publicKey, h(publicKey), 'PUBLIC KEY');
      const signed = sig.sign(pair, h(message));
      checkBytes(signed, h(signature), 'SIGNATURE');
      check(sig.verify(h(publicKey), h(message), h(signature)), 'the RFC signature verifies');
      const forged = h(signature);
      forged[0] = forged[0]! ^ 1;
      check(!sig.verify(h(publicKey), h(message), forged), 'a signature with one bit flipped is refused');
    },
  };
}

export function cryptoKatSuite(provider: CryptoProvider, options: KatOptions = {}): Suite {
  const cases: TestCase[] = [
    {
      name: 'X25519 RFC 7748 §5.2 test vector 1',
      run: () => checkBytes(
        x25519(provider, h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), h('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c')),
        h('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552'),
        'output u-coordinate',
      ),
    },
    {
      // Its u-coordinate has the top bit set, which X25519 must mask (RFC 7748 §5).
      name: 'X25519 RFC 7748 §5.2 test vector 2 (top bit of u masked)',
      run: () => checkBytes(
        x25519(provider, h('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'), h('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493')),
        h('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957'),
        'output u-coordinate',
      ),
    },
    {
      name: 'X25519 RFC 7748 §5.2 after one iteration',
      run: () => checkBytes(iterateX25519(provider, 1), h('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079'), 'k after 1 iteration'),
    },
    {
      name: 'X25519 RFC 7748 §6.1 Diffie-Hellman (both public keys, one shared secret)',
      run() {
        const dh = provider.dh;
        const alice = dh.keyPairFromPrivate(h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
        const bob = dh.keyPairFromPrivate(h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
        checkBytes(alice.publicKey, h('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'), "Alice's public key");
        checkBytes(bob.publicKey, h('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), "Bob's public key");
        const shared = h('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
        checkBytes(dh.dh(alice, bob.publicKey), shared, 'K computed by Alice');
        checkBytes(dh.dh(bob, alice.publicKey), shared, 'K computed by Bob');
      },
    },
    {
      name: 'ChaChaPoly through the Noise cipher: RFC 8439 §2.4.2 keystream, round trip, forgery refused',
      run() {
        const cipher = provider.cipher('ChaChaPoly');
        const key = h('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
        // §2.4.2's nonce 00000000 0000004a 00000000 is the Noise nonce n = 0x4a000000 (§12.3:
        // 32 zero bits, then n little-endian).
        const n = 0x4a000000;
        const ad = h('50515253c0c1c2c3c4c5c6c7');
        const sealed = cipher.encrypt(key, n, ad, SUNSCREEN);
        checkEqual(sealed.length, SUNSCREEN.length + TAG_BYTES, 'ciphertext length');
        checkBytes(
          sealed.subarray(0, SUNSCREEN.length),
          h('6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d'),
          'ciphertext body (ChaCha20, block counter 1)',
        );
        checkBytes(cipher.decrypt(key, n, ad, sealed), SUNSCREEN, 'decrypts to the plaintext');
        const forged = sealed.slice();
        forged[forged.length - 1] = forged[forged.length - 1]! ^ 0x80;
        checkThrowsCode(() => cipher.decrypt(key, n, ad, forged), 'CRYPTO_DECRYPT_FAILED', 'a forged tag');
        checkThrowsCode(() => cipher.decrypt(key, n + 1, ad, sealed), 'CRYPTO_DECRYPT_FAILED', 'the wrong nonce');
      },
    },
    ed25519Case(
      provider,
      'Ed25519 RFC 8032 §7.1 TEST 1 (empty message)',
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    ),
    ed25519Case(
      provider,
      'Ed25519 RFC 8032 §7.1 TEST 2 (one-byte message)',
      '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    ),
    {
      // FIPS 180-4's one-block example, also TEST1 of RFC 6234's test driver.
      name: 'SHA-256 of "abc" (RFC 6234 TEST1)',
      run: () => checkBytes(provider.hash('SHA256').hash(utf8Encode('abc')), h('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'), 'digest'),
    },
    {
      name: 'HMAC-SHA-256 RFC 4231 §4.2 test case 1',
      run: () => checkBytes(
        provider.hash('SHA256').hmac(new Uint8Array(20).fill(0x0b), utf8Encode('Hi There')),
        h('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'),
        'HMAC-SHA-256',
      ),
    },
  ];
  const aead = options.rawChaChaPoly;
  if (aead) {
    cases.push({
      name: 'ChaCha20-Poly1305 RFC 8439 §2.8.2 (raw AEAD beneath the provider)',
      run() {
        const sealed = aead(
          h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
          h('070000004041424344454647'),
          h('50515253c0c1c2c3c4c5c6c7'),
          SUNSCREEN,
        );
        checkBytes(
          sealed.subarray(0, SUNSCREEN.length),
          h('d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116'),
          'ciphertext',
        );
        checkBytes(sealed.subarray(SUNSCREEN.length), h('1ae10b594f09e26a7e902ecbd0600691'), 'tag');
      },
    });
  }
  if (options.iterated1000) {
    cases.push({
      name: 'X25519 RFC 7748 §5.2 after 1,000 iterations',
      run: () => checkBytes(iterateX25519(provider, 1000), h('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51'), 'k after 1,000 iterations'),
    });
  }
  const expectedCount = KAT_BASE_CASES + (aead ? 1 : 0) + (options.iterated1000 ? 1 : 0);
  return { name: `RFC known answers (${provider.name})`, cases, expectedCount };
}
