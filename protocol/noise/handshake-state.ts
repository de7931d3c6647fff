/**
 * HandshakeState (Noise rev 34 §5.3) for the XX pattern only:
 *
 *   XX:
 *     -> e
 *     <- e, ee, s, es
 *     -> s, se
 *
 * An I/O-free state machine: write a message, read a message, split. A read that fails (wrong
 * state, bad length, bad tag, low-order key) throws and leaves the state untouched, because it
 * works on a copy of the SymmetricState and commits only on success (the idea of snow's
 * checkpoint/restore). A forged message from a hop therefore cannot kill a handshake the
 * genuine message can still complete. One function per message, rather than a generic token
 * interpreter, because XX is all Burrow speaks and the code then reads like the pattern.
 */
import { concatBytes, utf8Encode } from '../bytes.ts';
import { HandshakeError } from '../errors.ts';
import type { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import type { CipherState } from './cipher-state.ts';
import { parseProtocolName, type NoiseProtocol } from './protocol-name.ts';
import { SymmetricState } from './symmetric-state.ts';

/** Noise §3: every handshake and transport message is at most 65535 bytes. */
export const MAX_NOISE_MESSAGE = 65535;
const DHLEN = 32;
const TAGLEN = 16;

export type HandshakeStatus = 'awaitingMessage1' | 'awaitingMessage2' | 'awaitingMessage3' | 'complete';

export interface HandshakeOptions {
  readonly provider: CryptoProvider;
  readonly protocolName: string;
  readonly initiator: boolean;
  readonly prologue: Uint8Array;
  /** The local static key pair s. */
  readonly s: KeyPair;
  /** A fixed ephemeral key pair; only test vectors set it, production generates one. */
  readonly e?: KeyPair;
}

export interface SplitResult {
  readonly send: CipherState;
  readonly receive: CipherState;
}

export class HandshakeState {
  readonly protocol: NoiseProtocol;
  readonly initiator: boolean;
  status: HandshakeStatus = 'awaitingMessage1';
  private readonly provider: CryptoProvider;
  private ss: SymmetricState;
  private readonly s: KeyPair;
  private e: KeyPair | undefined;
  /** Remote static and ephemeral public keys, once received. */
  rs: Uint8Array | undefined;
  re: Uint8Array | undefined;

  constructor(options: HandshakeOptions) {
    this.protocol = parseProtocolName(options.protocolName);
    this.provider = options.provider;
    this.initiator = options.initiator;
    this.s = options.s;
    this.e = options.e;
    const cipher = this.provider.cipher(this.protocol.cipher);
    const hash = this.provider.hash(this.protocol.hash);
    this.ss = SymmetricState.initialize(utf8Encode(options.protocolName), cipher, hash);
    this.ss.mixHash(options.prologue);
  }

  /** True when it is this side's turn to write. */
  get canWrite(): boolean {
    const initiatorWrites = this.status === 'awaitingMessage1' || this.status === 'awaitingMessage3';
    return this.status !== 'complete' && initiatorWrites === this.initiator;
  }

  get handshakeHash(): Uint8Array {
    return this.ss.getHandshakeHash();
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    if (!this.canWrite) throw new HandshakeError('HANDSHAKE_BAD_STATE', `cannot write in state ${this.status}`);
    return this.transaction(() => {
      let message: Uint8Array;
      if (this.status === 'awaitingMessage1') message = this.writeMessage1(payload);
      else if (this.status === 'awaitingMessage2') message = this.writeMessage2(payload);
      else message = this.writeMessage3(payload);
      if (message.length > MAX_NOISE_MESSAGE) throw new HandshakeError('HANDSHAKE_BAD_MESSAGE', 'handshake message exceeds 65535 bytes');
      return message;
    });
  }

  readMessage(message: Uint8Array): Uint8Array {
    if (this.status === 'complete' || this.canWrite) {
      throw new HandshakeError('HANDSHAKE_BAD_STATE', `cannot read in state ${this.status}`);
    }
    if (message.length > MAX_NOISE_MESSAGE) throw new HandshakeError('HANDSHAKE_BAD_MESSAGE', 'handshake message exceeds 65535 bytes');
    return this.transaction(() => {
      if (this.status === 'awaitingMessage1') return this.readMessage1(message);
      if (this.status === 'awaitingMessage2') return this.readMessage2(message);
      return this.readMessage3(message);
    });
  }

  /** Runs one message on a copy of the symmetric state; commits and advances only on success. */
  private transaction(step: () => Uint8Array): Uint8Array {
    const committed = this.ss;
    this.ss = committed.clone();
    try {
      const out = step();
      this.advance();
      return out;
    } catch (err) {
      // Roll back: the genuine message may still arrive after a forged one.
      this.ss = committed;
      throw err;
    }
  }

  /** Split() once complete: (send, receive) from this side's point of view (§5.3). */
  split(): SplitResult {
    if (this.status !== 'complete') throw new HandshakeError('HANDSHAKE_BAD_STATE', 'handshake is not complete');
    const [c1, c2] = this.ss.split();
    return this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
  }

  // -> e
  private writeMessage1(payload: Uint8Array): Uint8Array {
    const e = this.generateEphemeral();
    this.ss.mixHash(e.publicKey);
    return concatBytes(e.publicKey, this.ss.encryptAndHash(payload));
  }

  // -> e
  private readMessage1(message: Uint8Array): Uint8Array {
    checkLength(message, DHLEN);
    const re = message.subarray(0, DHLEN).slice();
    this.ss.mixHash(re);
    const payload = this.ss.decryptAndHash(message.subarray(DHLEN));
    this.re = re;
    return payload;
  }

  // <- e, ee, s, es
  private writeMessage2(payload: Uint8Array): Uint8Array {
    const e = this.generateEphemeral();
    const re = this.re!;
    this.ss.mixHash(e.publicKey);
    this.ss.mixKey(this.provider.dh.dh(e, re)); // ee
    const encryptedS = this.ss.encryptAndHash(this.s.publicKey); // s
    this.ss.mixKey(this.provider.dh.dh(this.s, re)); // es: responder uses DH(s, re)
    return concatBytes(e.publicKey, encryptedS, this.ss.encryptAndHash(payload));
  }

  // <- e, ee, s, es
  private readMessage2(message: Uint8Array): Uint8Array {
    checkLength(message, DHLEN + DHLEN + TAGLEN + TAGLEN);
    const e = this.e!;
    const re = message.subarray(0, DHLEN).slice();
    this.ss.mixHash(re);
    this.ss.mixKey(this.provider.dh.dh(e, re)); // ee
    const rs = this.ss.decryptAndHash(message.subarray(DHLEN, DHLEN + DHLEN + TAGLEN)); // s
    this.ss.mixKey(this.provider.dh.dh(e, rs)); // es: initiator uses DH(e, rs)
    const payload = this.ss.decryptAndHash(message.subarray(DHLEN + DHLEN + TAGLEN));
    this.re = re;
    this.rs = rs;
    return payload;
  }

  // -> s, se
  private writeMessage3(payload: Uint8Array): Uint8Array {
    const encryptedS = this.ss.encryptAndHash(this.s.publicKey); // s
    this.ss.mixKey(this.provider.dh.dh(this.s, this.re!)); // se: initiator uses DH(s, re)
    return concatBytes(encryptedS, this.ss.encryptAndHash(payload));
  }

  // -> s, se
  private readMessage3(message: Uint8Array): Uint8Array {
    checkLength(message, DHLEN + TAGLEN + TAGLEN);
    const rs = this.ss.decryptAndHash(message.subarray(0, DHLEN + TAGLEN)); // s
    this.ss.mixKey(this.provider.dh.dh(this.e!, rs)); // se: responder uses DH(e, rs)
    const payload = this.ss.decryptAndHash(message.subarray(DHLEN + TAGLEN));
    this.rs = rs;
    return payload;
  }

  private generateEphemeral(): KeyPair {
    // Vectors inject e; production draws a fresh one per handshake.
    if (this.e === undefined) this.e = this.provider.dh.generateKeyPair();
    return this.e;
  }

  private advance(): void {
    const next: Record<HandshakeStatus, HandshakeStatus> = {
      awaitingMessage1: 'awaitingMessage2',
      awaitingMessage2: 'awaitingMessage3',
      awaitingMessage3: 'complete',
      complete: 'complete',
    };
    this.status = next[this.status];
  }
}

function checkLength(message: Uint8Array, minimum: number): void {
  if (message.length < minimum) throw new HandshakeError('HANDSHAKE_BAD_MESSAGE', `handshake message shorter than ${minimum} bytes`);
}

