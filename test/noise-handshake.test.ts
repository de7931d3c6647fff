/**
 * HandshakeState (XX) beyond the vectors: what a hostile hop can do to it. Forged, truncated,
 * reordered, low-order and oversized messages must give typed errors and leave the state as it
 * was, so that the genuine message still completes the handshake. Run on both backends; the
 * fuzz runs use node:crypto only, because one noble DH costs milliseconds and CI asks for
 * 100,000 runs per decoder.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { toHex } from '../protocol/bytes.ts';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import type { CryptoProvider, KeyPair } from '../protocol/crypto/provider.ts';
import { HandshakeState, MAX_HANDSHAKE_PAYLOAD, MAX_NOISE_MESSAGE, type HandshakeStatus } from '../protocol/noise/handshake-state.ts';
import { PRODUCTION_PROTOCOL } from '../protocol/noise/protocol-name.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { seededRandom } from '../simulators/xs/random.ts';
import { checkEveryCorruption, checkEveryTruncation, errorCodeOf, fuzzDecoder } from './support/decoder-harness.ts';
import { LOW_ORDER_POINTS } from './support/noise-vectors.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const EMPTY = new Uint8Array(0);
const bytes = (...values: number[]) => Uint8Array.from(values);

interface Snapshot {
  status: HandshakeStatus;
  h: string;
  re: string | undefined;
  rs: string | undefined;
  canWrite: boolean;
}

function snapshot(hs: HandshakeState): Snapshot {
  const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : toHex(b));
  return { status: hs.status, h: toHex(hs.handshakeHash), re: hex(hs.remoteEphemeral), rs: hex(hs.remoteStatic), canWrite: hs.canWrite };
}

class Parties {
  constructor(readonly provider: CryptoProvider, readonly si: KeyPair, readonly sr: KeyPair) {}

  initiator(options: { prologue?: Uint8Array; e?: KeyPair } = {}): HandshakeState {
    return this.make(true, this.si, options);
  }

  responder(options: { prologue?: Uint8Array; e?: KeyPair } = {}): HandshakeState {
    return this.make(false, this.sr, options);
  }

  private make(initiator: boolean, s: KeyPair, options: { prologue?: Uint8Array; e?: KeyPair }): HandshakeState {
    return new HandshakeState({
      provider: this.provider,
      protocolName: PRODUCTION_PROTOCOL,
      initiator,
      prologue: options.prologue ?? bytes(0x42),
      s,
      ...(options.e ? { e: options.e } : {}),
    });
  }

  /** Runs the handshake up to (not including) the read of message `upTo`; returns both sides and the messages so far. */
  upTo(upTo: 1 | 2 | 3): { i: HandshakeState; r: HandshakeState; m1: Uint8Array; m2?: Uint8Array; m3?: Uint8Array } {
    const i = this.initiator();
    const r = this.responder();
    const m1 = i.writeMessage(bytes(1));
    if (upTo === 1) return { i, r, m1 };
    r.readMessage(m1);
    const m2 = r.writeMessage(bytes(2, 2));
    if (upTo === 2) return { i, r, m1, m2 };
    i.readMessage(m2);
    return { i, r, m1, m2, m3: i.writeMessage(bytes(3, 3, 3)) };
  }
}

function assertEstablished(i: HandshakeState, r: HandshakeState, p: Parties): void {
  assert.equal(i.status, 'complete');
  assert.equal(r.status, 'complete');
  assert.deepEqual(i.handshakeHash, r.handshakeHash);
  assert.deepEqual(i.remoteStatic, p.sr.publicKey);
  assert.deepEqual(r.remoteStatic, p.si.publicKey);
  assert.deepEqual(i.remoteEphemeral?.length, 32);
  const a = i.split();
  const b = r.split();
  assert.deepEqual(a.send.key, b.receive.key);
  assert.deepEqual(a.receive.key, b.send.key);
  assert.notDeepEqual(a.send.key, a.receive.key);
  const ad = bytes(9);
  assert.deepEqual(b.receive.decryptWithAd(ad, a.send.encryptWithAd(ad, bytes(7, 7))), bytes(7, 7));
  assert.deepEqual(a.receive.decryptWithAd(ad, b.send.encryptWithAd(ad, bytes(8))), bytes(8));
}

const backends: [string, () => CryptoProvider][] = [
  ['noble', () => nobleProvider(random)],
  ['node:crypto', () => nodeCryptoProvider(random)],
];

for (const [backend, makeProvider] of backends) {
  describe(`Noise XX HandshakeState on ${backend}`, function () {
    this.timeout(60000);
    const provider = makeProvider();
    const p = new Parties(provider, provider.dh.generateKeyPair(), provider.dh.generateKeyPair());

    it('completes with payloads in every message; both sides agree on h, keys and remote keys', () => {
      const i = p.initiator();
      const r = p.responder();
      assert.equal(i.canWrite, true);
      assert.equal(r.canWrite, false);
      const m1 = i.writeMessage(bytes(1, 2, 3));
      assert.equal(m1.length, 32 + 3);
      assert.deepEqual(r.readMessage(m1), bytes(1, 2, 3));
      const m2 = r.writeMessage(bytes(4));
      assert.equal(m2.length, 32 + 48 + 1 + 16);
      assert.deepEqual(i.readMessage(m2), bytes(4));
      const m3 = i.writeMessage(EMPTY);
      assert.equal(m3.length, 48 + 16);
      assert.deepEqual(r.readMessage(m3), EMPTY);
      assertEstablished(i, r, p);
    });

    it('refuses a message 2 written under another prologue, then completes with the right one', () => {
      const i = p.initiator();
      const r = p.responder({ prologue: bytes(0x43) });
      r.readMessage(i.writeMessage(EMPTY));
      const before = snapshot(i);
      assert.equal(errorCodeOf(() => i.readMessage(r.writeMessage(EMPTY))), 'CRYPTO_DECRYPT_FAILED');
      assert.deepEqual(snapshot(i), before);
    });

    it('survives every single-byte forgery and every truncation of message 2, then completes', () => {
      const { i, r, m2 } = p.upTo(2);
      const before = snapshot(i);
      assert.equal(checkEveryCorruption((b) => i.readMessage(b), m2!), 0);
      checkEveryTruncation((b) => i.readMessage(b), m2!);
      assert.equal(errorCodeOf(() => i.readMessage(Uint8Array.from([...m2!, 0]))), 'CRYPTO_DECRYPT_FAILED');
      assert.deepEqual(snapshot(i), before);
      assert.deepEqual(i.readMessage(m2!), bytes(2, 2));
      r.readMessage(i.writeMessage(EMPTY));
      assertEstablished(i, r, p);
    });

    it('survives every single-byte forgery and every truncation of message 3, then completes', () => {
      const { i, r, m3 } = p.upTo(3);
      const before = snapshot(r);
      assert.equal(checkEveryCorruption((b) => r.readMessage(b), m3!), 0);
      checkEveryTruncation((b) => r.readMessage(b), m3!);
      assert.deepEqual(snapshot(r), before);
      assert.deepEqual(r.readMessage(m3!), bytes(3, 3, 3));
      assertEstablished(i, r, p);
    });

    it('refuses messages out of order with HANDSHAKE_BAD_STATE, changing nothing', () => {
      const i = p.initiator();
      const r = p.responder();
      assert.equal(errorCodeOf(() => i.readMessage(new Uint8Array(96))), 'HANDSHAKE_BAD_STATE');
      assert.equal(errorCodeOf(() => r.writeMessage(EMPTY)), 'HANDSHAKE_BAD_STATE');
      assert.equal(errorCodeOf(() => i.split()), 'HANDSHAKE_BAD_STATE');
      const m1 = i.writeMessage(EMPTY);
      assert.equal(errorCodeOf(() => i.writeMessage(EMPTY)), 'HANDSHAKE_BAD_STATE');
      r.readMessage(m1);
      assert.equal(errorCodeOf(() => r.readMessage(m1)), 'HANDSHAKE_BAD_STATE');
      const m2 = r.writeMessage(EMPTY);
      assert.equal(errorCodeOf(() => r.writeMessage(EMPTY)), 'HANDSHAKE_BAD_STATE');
      i.readMessage(m2);
      assert.equal(errorCodeOf(() => i.readMessage(m2)), 'HANDSHAKE_BAD_STATE');
      const m3 = i.writeMessage(EMPTY);
      r.readMessage(m3);
      for (const hs of [i, r]) {
        assert.equal(errorCodeOf(() => hs.readMessage(m3)), 'HANDSHAKE_BAD_STATE');
        assert.equal(errorCodeOf(() => hs.writeMessage(EMPTY)), 'HANDSHAKE_BAD_STATE');
      }
      i.split();
      assert.equal(errorCodeOf(() => i.split()), 'HANDSHAKE_BAD_STATE');
    });

    it('refuses a message 1 in place of message 2 and a message 2 in place of message 3', () => {
      const { i, r, m1, m2 } = p.upTo(2);
      assert.equal(errorCodeOf(() => i.readMessage(m1)), 'HANDSHAKE_BAD_MESSAGE');
      i.readMessage(m2!);
      i.writeMessage(EMPTY);
      assert.equal(errorCodeOf(() => r.readMessage(m2!)), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(r.status, 'awaitingMessage3');
    });

    it('refuses a low-order ephemeral key in message 1 and in message 2, then completes', () => {
      const r = p.responder();
      const i = p.initiator();
      const m1 = i.writeMessage(EMPTY);
      for (const point of LOW_ORDER_POINTS) {
        assert.equal(errorCodeOf(() => r.readMessage(point)), 'CRYPTO_BAD_KEY');
        assert.equal(r.status, 'awaitingMessage1');
        assert.equal(r.remoteEphemeral, undefined);
      }
      r.readMessage(m1);
      const m2 = r.writeMessage(EMPTY);
      const before = snapshot(i);
      for (const point of LOW_ORDER_POINTS) {
        const forged = m2.slice();
        forged.set(point, 0);
        assert.equal(errorCodeOf(() => i.readMessage(forged)), 'CRYPTO_BAD_KEY');
        assert.deepEqual(snapshot(i), before);
      }
      i.readMessage(m2);
      r.readMessage(i.writeMessage(EMPTY));
      assertEstablished(i, r, p);
    });

    it('refuses a payload that would make a message exceed 65535 bytes (§3), accepts the largest that fits', () => {
      const i = p.initiator();
      const r = p.responder();
      assert.equal(errorCodeOf(() => i.writeMessage(new Uint8Array(MAX_HANDSHAKE_PAYLOAD[0] + 1))), 'HANDSHAKE_OVERSIZE');
      assert.equal(i.status, 'awaitingMessage1');
      const m1 = i.writeMessage(new Uint8Array(MAX_HANDSHAKE_PAYLOAD[0]).fill(1));
      assert.equal(m1.length, MAX_NOISE_MESSAGE);
      assert.equal(r.readMessage(m1).length, MAX_HANDSHAKE_PAYLOAD[0]);
      assert.equal(errorCodeOf(() => r.writeMessage(new Uint8Array(MAX_HANDSHAKE_PAYLOAD[1] + 1))), 'HANDSHAKE_OVERSIZE');
      const m2 = r.writeMessage(new Uint8Array(MAX_HANDSHAKE_PAYLOAD[1]));
      assert.equal(m2.length, MAX_NOISE_MESSAGE);
      assert.equal(errorCodeOf(() => i.readMessage(Uint8Array.from([...m2, 0]))), 'HANDSHAKE_OVERSIZE');
      i.readMessage(m2);
      assert.equal(errorCodeOf(() => i.writeMessage(new Uint8Array(MAX_HANDSHAKE_PAYLOAD[2] + 1))), 'HANDSHAKE_OVERSIZE');
      assert.equal(i.writeMessage(new Uint8Array(MAX_HANDSHAKE_PAYLOAD[2])).length, MAX_NOISE_MESSAGE);
    });

    it('refuses bad construction options with typed errors', () => {
      const base = { provider, protocolName: PRODUCTION_PROTOCOL, initiator: true, prologue: EMPTY, s: p.si };
      assert.equal(errorCodeOf(() => new HandshakeState({ ...base, protocolName: 'Noise_XXpsk3_25519_ChaChaPoly_SHA256' })), 'CRYPTO_UNSUPPORTED');
      assert.equal(errorCodeOf(() => new HandshakeState({ ...base, s: { publicKey: new Uint8Array(31), privateKey: new Uint8Array(32) } })), 'CRYPTO_BAD_KEY');
      assert.equal(errorCodeOf(() => new HandshakeState({ ...base, prologue: 'x' as unknown as Uint8Array })), 'CONFIG_INVALID');
      assert.equal(errorCodeOf(() => p.responder().readMessage('abc' as unknown as Uint8Array)), 'HANDSHAKE_BAD_MESSAGE');
    });

    it('keeps keys out of toString, JSON and util.inspect', () => {
      const { i, r, m3 } = p.upTo(3);
      r.readMessage(m3!);
      const { send, receive } = i.split();
      const secrets = [send.key, receive.key, p.si.privateKey].map(toHex);
      for (const value of [i, send, receive, p.si]) {
        for (const text of [String(value), JSON.stringify(value), inspect(value, { showHidden: false, depth: 5 })]) {
          for (const secret of secrets) assert.ok(!text.includes(secret), `${text} shows a secret`);
        }
      }
      assert.ok(!Object.keys(send).includes('k'));
      assert.equal(send.cipher.name, 'ChaChaPoly');
    });
  });
}

describe('Noise XX HandshakeState across backends and randomness', () => {
  it('a node:crypto initiator and a noble responder agree (and the other way round)', () => {
    const node = nodeCryptoProvider(random);
    const noble = nobleProvider(random);
    for (const [a, b] of [[node, noble], [noble, node]] as const) {
      const p = new Parties(a, a.dh.generateKeyPair(), a.dh.generateKeyPair());
      const i = p.initiator();
      const r = new HandshakeState({ provider: b, protocolName: PRODUCTION_PROTOCOL, initiator: false, prologue: bytes(0x42), s: b.dh.keyPairFromPrivate(p.sr.privateKey) });
      r.readMessage(i.writeMessage(EMPTY));
      i.readMessage(r.writeMessage(EMPTY));
      r.readMessage(i.writeMessage(EMPTY));
      assertEstablished(i, r, p);
    }
  });

  it('takes its ephemeral key from the injected randomness (same seed, same message 1)', () => {
    const s = nobleProvider(random).dh.generateKeyPair();
    const m1 = (seed: number) => new HandshakeState({ provider: nobleProvider(seededRandom(seed)), protocolName: PRODUCTION_PROTOCOL, initiator: true, prologue: EMPTY, s }).writeMessage(EMPTY);
    assert.deepEqual(m1(7), m1(7));
    assert.notDeepEqual(m1(7), m1(8));
  });
});

describe('HandshakeState.readMessage as a decoder (node:crypto; FUZZ_RUNS runs each)', function () {
  this.timeout(300000);
  const provider = nodeCryptoProvider(random);
  const p = new Parties(provider, provider.dh.generateKeyPair(), provider.dh.generateKeyPair());
  const er = provider.dh.generateKeyPair();

  /** A reader that replaces its HandshakeState after an accepted message (failures leave it as it was). */
  function reader(make: () => HandshakeState): (b: Uint8Array) => Uint8Array {
    let hs = make();
    return (b) => {
      const payload = hs.readMessage(b);
      hs = make();
      return payload;
    };
  }

  it('message 1 (responder): only typed errors; a prefix shorter than e is refused', () => {
    const m1 = p.initiator().writeMessage(EMPTY);
    const read = reader(() => p.responder({ e: er }));
    assert.deepEqual(read(m1), EMPTY);
    fuzzDecoder(read, [m1, p.initiator().writeMessage(bytes(1, 2, 3))]);
    checkEveryTruncation(read, m1);
    // Message 1 carries no authentication: a changed key byte is a different (valid) key.
    assert.ok(checkEveryCorruption(read, m1) >= 30);
  });

  // Fixed ephemerals make every fresh state expect the same messages, so a reader can start
  // over after an accepted input (the fuzzer also feeds the valid samples themselves).
  const ei = provider.dh.generateKeyPair();
  const awaiting2 = () => {
    const i = p.initiator({ e: ei });
    i.writeMessage(EMPTY);
    return i;
  };
  const responderAfterM1 = () => {
    const r = p.responder({ e: er });
    r.readMessage(p.initiator({ e: ei }).writeMessage(EMPTY));
    return r;
  };
  let m2: Uint8Array = EMPTY;
  let m3: Uint8Array = EMPTY;
  const awaiting3 = () => {
    const r = responderAfterM1();
    r.writeMessage(bytes(2));
    return r;
  };
  before(() => {
    m2 = responderAfterM1().writeMessage(bytes(2));
    const i = awaiting2();
    i.readMessage(m2);
    m3 = i.writeMessage(bytes(3));
  });

  it('message 2 (initiator): only typed errors; no truncation or corruption is accepted', () => {
    const read = reader(awaiting2);
    assert.deepEqual(read(m2), bytes(2));
    checkEveryTruncation(read, m2);
    assert.equal(checkEveryCorruption(read, m2), 0);
    fuzzDecoder(read, [m2]);
  });

  it('message 3 (responder): only typed errors; no truncation or corruption is accepted', () => {
    const read = reader(awaiting3);
    assert.deepEqual(read(m3), bytes(3));
    checkEveryTruncation(read, m3);
    assert.equal(checkEveryCorruption(read, m3), 0);
    fuzzDecoder(read, [m3]);
  });
});
