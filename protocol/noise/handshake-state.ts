/**
 * HandshakeState (Noise rev 34 §5.3) for the XX pattern (§7.5), both roles:
 *
 *   XX:
 *     -> e
 *     <- e, ee, s, es
 *     -> s, se
 *
 * An I/O-free state machine: `writeMessage(payload)` returns the bytes to send,
 * `readMessage(message)` returns the peer's payload, `split()` hands over the transport
 * CipherStates. One function per message, rather than a generic token interpreter, because XX
 * is all Burrow speaks and the code then reads like the pattern.
 *
 * A call that fails (wrong state, bad length, bad tag, low-order key) throws a typed error and
 * leaves the whole state as it was: each message runs on a copy of the SymmetricState and the
 * key fields are committed only on success (snow's checkpoint idea, chosen over "a failed
 * handshake is dead", which would let any hop that forges one message kill the handshake the
 * genuine message could still complete).
 *
 * The responder computes DH(e, re) when it reads message 1 instead of when it writes message 2:
 * the value is the same, but a low-order re is then refused by the read that brought it, and
 * the responder can still accept a genuine message 1.
 */
import { concatBytes, toHex, utf8Encode } from '../bytes.ts';
import { ConfigError, CryptoError, HandshakeError } from '../errors.ts';
import type { CipherFunctions, CryptoProvider, HashFunctions, KeyPair } from '../crypto/provider.ts';
import type { CipherState } from './cipher-state.ts';
import { parseProtocolName, type NoiseProtocol } from './protocol-name.ts';
import { SymmetricState } from './symmetric-state.ts';

// Protocol constants (Noise rev 34 §3, §4.1, §4.2).
/** Every Noise message, handshake or transport, is at most 65535 bytes (§3). */
export const MAX_NOISE_MESSAGE = 65535;
const DHLEN = 32;
const TAGLEN = 16;
/** Bytes each XX message adds to its payload: keys and tags (message 1 has no key yet). */
const MESSAGE_OVERHEAD = [DHLEN, DHLEN + DHLEN + TAGLEN + TAGLEN, DHLEN + TAGLEN + TAGLEN] as const;
/** The largest payload each message can carry within MAX_NOISE_MESSAGE. */
export const MAX_HANDSHAKE_PAYLOAD = [
  MAX_NOISE_MESSAGE - MESSAGE_OVERHEAD[0],
  MAX_NOISE_MESSAGE - MESSAGE_OVERHEAD[1],
  MAX_NOISE_MESSAGE - MESSAGE_OVERHEAD[2],
] as const;

/** What the handshake waits for next; `complete` once message 3 is written or read. */
export type HandshakeStatus = 'awaitingMessage1' | 'awaitingMessage2' | 'awaitingMessage3' | 'complete';

export interface HandshakeOptions {
  readonly provider: CryptoProvider;
  /** A Noise_XX_25519_* name (protocol-name.ts); production uses PRODUCTION_PROTOCOL. */
  readonly protocolName: string;
  readonly initiator: boolean;
  /** Bytes both sides must agree on, mixed into h before message 1 (§6). */
  readonly prologue: Uint8Array;
  /** The local static key pair s. */
  readonly s: KeyPair;
  /** A fixed ephemeral key pair e: only test vectors set it; otherwise GENERATE_KEYPAIR(). */
  readonly e?: KeyPair;
}

/** The transport CipherStates, from the local side's point of view. */
export interface SplitResult {
  readonly send: CipherState;
  readonly receive: CipherState;
}

// Node's inspect hook is a registered symbol, so naming it needs no Node import.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class HandshakeState {
  readonly protocol: NoiseProtocol;
  readonly initiator: boolean;
  private readonly provider: CryptoProvider;
  private readonly s: KeyPair;
  private state: HandshakeStatus = 'awaitingMessage1';
  private ss: SymmetricState;
  private e: KeyPair | undefined;
  private remoteE: Uint8Array | undefined;
  private remoteS: Uint8Array | undefined;
  /** Responder only: DH(e, re), from reading message 1 until writing message 2. */
  declare private ee: Uint8Array | undefined;
  private splitDone = false;

  constructor(options: HandshakeOptions) {
    this.protocol = parseProtocolName(options.protocolName);
    if (!(options.prologue instanceof Uint8Array)) throw new ConfigError('CONFIG_INVALID', 'prologue must be a Uint8Array');
    checkKeyPair(options.s, 's');
    if (options.e !== undefined) checkKeyPair(options.e, 'e');
    this.provider = options.provider;
    this.initiator = options.initiator === true;
    this.s = options.s;
    this.e = options.e;
    Object.defineProperty(this, 'ee', { value: undefined, writable: true, enumerable: false });
    const cipher = this.provider.cipher(this.protocol.cipher);
    const hash = this.provider.hash(this.protocol.hash);
    this.ss = initialState(this.protocol.name, cipher, hash, options.prologue);
  }

  get status(): HandshakeStatus {
    return this.state;
  }

  /** True when the next step is this side's writeMessage. */
  get canWrite(): boolean {
    if (this.state === 'complete') return false;
    return (this.state !== 'awaitingMessage2') === this.initiator;
  }

  /** h, the handshake hash (§5.2 GetHandshakeHash), as a copy; final once `complete`. */
  get handshakeHash(): Uint8Array {
    return this.ss.getHandshakeHash().slice();
  }

  /** rs, the peer's static public key: set by message 2 (initiator) or 3 (responder). */
  get remoteStatic(): Uint8Array | undefined {
    return this.remoteS;
  }

  /** re, the peer's ephemeral public key: set by message 1 (responder) or 2 (initiator). */
  get remoteEphemeral(): Uint8Array | undefined {
    return this.remoteE;
  }

  /** The spec's letter for remoteStatic. */
  get rs(): Uint8Array | undefined {
    return this.remoteS;
  }

  /** The spec's letter for remoteEphemeral. */
  get re(): Uint8Array | undefined {
    return this.remoteE;
  }

  /** WriteMessage(payload, message_buffer) (§5.3): the message to send. */
  writeMessage(payload: Uint8Array): Uint8Array {
    if (!this.canWrite) throw new HandshakeError('HANDSHAKE_BAD_STATE', `cannot write in state ${this.state}`);
    const index = this.messageIndex();
    if (payload.length > MAX_HANDSHAKE_PAYLOAD[index]) {
      throw new HandshakeError('HANDSHAKE_OVERSIZE', `payload of ${payload.length} bytes makes message ${index + 1} exceed ${MAX_NOISE_MESSAGE} bytes`);
    }
    return this.transaction(() => {
      if (index === 0) return this.writeMessage1(payload);
      if (index === 1) return this.writeMessage2(payload);
      return this.writeMessage3(payload);
    });
  }

  /** ReadMessage(message, payload_buffer) (§5.3): the peer's payload. */
  readMessage(message: Uint8Array): Uint8Array {
    if (this.state === 'complete' || this.canWrite) throw new HandshakeError('HANDSHAKE_BAD_STATE', `cannot read in state ${this.state}`);
    if (!(message instanceof Uint8Array)) throw new HandshakeError('HANDSHAKE_BAD_MESSAGE', 'handshake message must be bytes');
    if (message.length > MAX_NOISE_MESSAGE) throw new HandshakeError('HANDSHAKE_OVERSIZE', `handshake message exceeds ${MAX_NOISE_MESSAGE} bytes`);
    const index = this.messageIndex();
    if (message.length < MESSAGE_OVERHEAD[index]) {
      throw new HandshakeError('HANDSHAKE_BAD_MESSAGE', `message ${index + 1} is shorter than ${MESSAGE_OVERHEAD[index]} bytes`);
    }
    return this.transaction(() => {
      if (index === 0) return this.readMessage1(message);
      if (index === 1) return this.readMessage2(message);
      return this.readMessage3(message);
    });
  }

  /**
   * Split() (§5.2, §5.3): (send, receive) for this side. Once only: two pairs of CipherStates
   * over the same keys would reuse nonces.
   */
  split(): SplitResult {
    if (this.state !== 'complete') throw new HandshakeError('HANDSHAKE_BAD_STATE', 'handshake is not complete');
    if (this.splitDone) throw new HandshakeError('HANDSHAKE_BAD_STATE', 'split() was already called');
    const [c1, c2] = this.ss.split();
    this.splitDone = true;
    this.e = undefined; // the ephemeral private key has done its job (forward secrecy)
    return this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
  }

  // -> e
  private writeMessage1(payload: Uint8Array): Uint8Array {
    const e = (this.e ??= this.provider.dh.generateKeyPair());
    this.ss.mixHash(e.publicKey);
    const body = this.ss.encryptAndHash(payload); // no key yet: the payload travels in clear
    return concatBytes(e.publicKey, body);
  }

  // -> e
  private readMessage1(message: Uint8Array): Uint8Array {
    const re = message.slice(0, DHLEN);
    const e = this.e ?? this.provider.dh.generateKeyPair();
    const ee = this.provider.dh.dh(e, re); // for message 2's ee; refuses a low-order re now
    this.ss.mixHash(re);
    const payload = this.ss.decryptAndHash(message.slice(DHLEN)); // a copy: the caller may reuse its buffer
    this.e = e;
    this.ee = ee;
    this.remoteE = re;
    return payload;
  }

  // <- e, ee, s, es
  private writeMessage2(payload: Uint8Array): Uint8Array {
    const e = this.e!;
    this.ss.mixHash(e.publicKey);
    this.ss.mixKey(this.ee!); // ck, k = HKDF(ck, DH(e, re)), computed in readMessage1
    const encryptedS = this.ss.encryptAndHash(this.s.publicKey);
    this.ss.mixKey(this.provider.dh.dh(this.s, this.remoteE!)); // es: the responder's DH(s, re)
    const body = this.ss.encryptAndHash(payload);
    this.ee = undefined;
    return concatBytes(e.publicKey, encryptedS, body);
  }

  // <- e, ee, s, es
  private readMessage2(message: Uint8Array): Uint8Array {
    const e = this.e!;
    const re = message.slice(0, DHLEN);
    this.ss.mixHash(re);
    this.ss.mixKey(this.provider.dh.dh(e, re)); // ee: refuses a low-order re
    const rs = this.ss.decryptAndHash(message.subarray(DHLEN, DHLEN + DHLEN + TAGLEN));
    this.ss.mixKey(this.provider.dh.dh(e, rs)); // es: the initiator's DH(e, rs)
    const payload = this.ss.decryptAndHash(message.subarray(DHLEN + DHLEN + TAGLEN));
    this.remoteE = re;
    this.remoteS = rs;
    return payload;
  }

  // -> s, se
  private writeMessage3(payload: Uint8Array): Uint8Array {
    const encryptedS = this.ss.encryptAndHash(this.s.publicKey);
    this.ss.mixKey(this.provider.dh.dh(this.s, this.remoteE!)); // se: the initiator's DH(s, re)
    return concatBytes(encryptedS, this.ss.encryptAndHash(payload));
  }

  // -> s, se
  private readMessage3(message: Uint8Array): Uint8Array {
    const rs = this.ss.decryptAndHash(message.subarray(0, DHLEN + TAGLEN));
    this.ss.mixKey(this.provider.dh.dh(this.e!, rs)); // se: the responder's DH(e, rs)
    const payload = this.ss.decryptAndHash(message.subarray(DHLEN + TAGLEN));
    this.remoteS = rs;
    return payload;
  }

  /** Runs one message on a copy of the SymmetricState; commits and advances only on success. */
  private transaction(step: () => Uint8Array): Uint8Array {
    const committed = this.ss.checkpoint();
    const { e, ee, remoteE, remoteS } = this;
    try {
      const out = step();
      this.state = nextStatus(this.state);
      return out;
    } catch (err) {
      this.ss.rollback(committed);
      this.e = e;
      this.ee = ee;
      this.remoteE = remoteE;
      this.remoteS = remoteS;
      throw err;
    }
  }

  private messageIndex(): 0 | 1 | 2 {
    return this.state === 'awaitingMessage1' ? 0 : this.state === 'awaitingMessage2' ? 1 : 2;
  }

  toString(): string {
    return `HandshakeState(${this.protocol.name}, ${this.initiator ? 'initiator' : 'responder'}, ${this.state})`;
  }

  toJSON(): { protocol: string; role: string; status: HandshakeStatus } {
    return { protocol: this.protocol.name, role: this.initiator ? 'initiator' : 'responder', status: this.state };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

// Our limits.
/** Initial states remembered per hash backend: one per protocol name and prologue in use
 *  (production has one; the vector suites a few dozen, which simply refill it). */
const INITIAL_STATES = 16;

/** hash backend -> cipher backend -> "name prologue" -> state: a clone must carry the caller's own functions. */
const initialStates = new WeakMap<HashFunctions, WeakMap<CipherFunctions, Map<string, SymmetricState>>>();

/**
 * §5.3 Initialize() up to the prologue: InitializeSymmetric(protocol_name), MixHash(prologue).
 * The result depends on nothing but its inputs, so it is computed once per name and prologue
 * and cloned: a responder saves a hash and the name's encoding on every handshake. Cached per
 * backend object, so each backend still computes (and the vectors still check) its own.
 */
function initialState(name: string, cipher: CipherFunctions, hash: HashFunctions, prologue: Uint8Array): SymmetricState {
  let byCipher = initialStates.get(hash);
  if (byCipher === undefined) initialStates.set(hash, (byCipher = new WeakMap()));
  let states = byCipher.get(cipher);
  if (states === undefined) byCipher.set(cipher, (states = new Map()));
  const key = `${name} ${toHex(prologue)}`;
  let state = states.get(key);
  if (state === undefined) {
    state = SymmetricState.initialize(utf8Encode(name), cipher, hash);
    state.mixHash(prologue);
    if (states.size >= INITIAL_STATES) states.clear();
    states.set(key, state);
  }
  return state.clone();
}

function nextStatus(status: HandshakeStatus): HandshakeStatus {
  if (status === 'awaitingMessage1') return 'awaitingMessage2';
  if (status === 'awaitingMessage2') return 'awaitingMessage3';
  return 'complete';
}

function checkKeyPair(keyPair: KeyPair, name: string): void {
  if (keyPair === null || typeof keyPair !== 'object' || !(keyPair.publicKey instanceof Uint8Array) || keyPair.publicKey.length !== DHLEN) {
    throw new CryptoError('CRYPTO_BAD_KEY', `${name} must be an X25519 key pair`);
  }
}
