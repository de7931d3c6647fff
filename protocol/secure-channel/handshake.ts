/**
 * The secure-channel handshake: Noise XX carrying Burrow identities, as two I/O-free drivers
 * (initiator and responder) that turn envelopes into envelopes and end with an established
 * channel and a verified peer. Time, randomness and trust come in as parameters, so the same
 * code runs in the firmware, the cloud and the tests.
 *
 * Message 1 carries one plaintext hello byte: bit 0 set means "I have verified you before: you
 * may answer with a REFERENCE payload". It tells an observer only that this initiator has met
 * this responder before, and it saves 89 bytes and an Ed25519 verification on the device.
 */
import { HandshakeError } from '../errors.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { HandshakeState } from '../noise/handshake-state.ts';
import { PRODUCTION_PROTOCOL } from '../noise/protocol-name.ts';
import { ChannelTransport } from '../channel/transport.ts';
import { fullPayload, referencePayload, type LocalIdentity } from '../identity/identity.ts';
import { encodePayload, type PayloadExtension } from '../identity/payload.ts';
import type { PeerCache, TrustPolicy, VerifiedPeer } from '../identity/trust.ts';
import { verifyPeer } from '../identity/verify.ts';
import { decodeEnvelope, encodeEnvelope, EnvelopeKind } from './envelope.ts';

/** Noise prologue: binds both ends to Burrow's channel protocol version 1. */
const PROLOGUE = /* @__PURE__ */ Uint8Array.of(0x62, 0x75, 0x72, 0x72, 0x6f, 0x77, 0x01); // "burrow" 1
const HELLO_KNOWS_YOU = 0x01;

export interface HandshakeConfig {
  readonly provider: CryptoProvider;
  readonly identity: LocalIdentity;
  readonly policy: TrustPolicy;
  readonly cache?: PeerCache;
  /** Seconds since the Unix epoch, or undefined when the clock is not set. */
  readonly now: () => number | undefined;
  /** Extensions for our identity payload (an enrollment ticket on first contact). */
  readonly extensions?: readonly PayloadExtension[];
}

export interface Established {
  readonly channel: ChannelTransport;
  readonly peer: VerifiedPeer;
  readonly handshakeHash: Uint8Array;
}

/** `nowMs` starts the channel's idle clock (any monotonic ms clock, see ChannelOptions). */
function establish(hs: HandshakeState, peer: VerifiedPeer, provider: CryptoProvider, nowMs: number): Established {
  const { send, receive } = hs.split();
  const channel = new ChannelTransport({
    cipher: provider.cipher(hs.protocol.cipher),
    sendKey: send.key,
    receiveKey: receive.key,
    binding: hs.handshakeHash,
  }, { now: nowMs });
  return { channel, peer, handshakeHash: hs.handshakeHash };
}

function expectKind(envelope: Uint8Array, kind: EnvelopeKind): Uint8Array {
  const e = decodeEnvelope(envelope);
  if (e.kind !== kind) throw new HandshakeError('HANDSHAKE_BAD_STATE', `expected handshake message ${kind}, got kind ${e.kind}`);
  return e.body;
}

export class InitiatorHandshake {
  private readonly hs: HandshakeState;
  private readonly config: HandshakeConfig;
  /** Send our identity by reference (the responder verified it before). */
  private readonly sendReference: boolean;

  constructor(config: HandshakeConfig, options: { knowsResponder?: boolean; sendReference?: boolean } = {}) {
    this.config = config;
    this.sendReference = options.sendReference ?? false;
    this.hs = new HandshakeState({ provider: config.provider, protocolName: PRODUCTION_PROTOCOL, initiator: true, prologue: PROLOGUE, s: config.identity.staticKey });
    this.hello = Uint8Array.of(options.knowsResponder ? HELLO_KNOWS_YOU : 0);
  }

  private readonly hello: Uint8Array;

  // -> e
  start(): Uint8Array {
    return encodeEnvelope(EnvelopeKind.MESSAGE1, this.hs.writeMessage(this.hello));
  }

  // <- e, ee, s, es   then   -> s, se
  /** Reads message 2, verifies the responder, and returns message 3 and the channel. */
  receive(envelope: Uint8Array, nowMs = 0): Established & { reply: Uint8Array } {
    const payload = this.hs.readMessage(expectKind(envelope, EnvelopeKind.MESSAGE2));
    const c = this.config;
    const peer = verifyPeer(payload, { provider: c.provider, rs: this.hs.rs!, now: c.now(), policy: c.policy, ...(c.cache ? { cache: c.cache } : {}) });
    const ours = this.sendReference ? referencePayload(c.identity, c.extensions) : fullPayload(c.identity, c.extensions);
    const reply = encodeEnvelope(EnvelopeKind.MESSAGE3, this.hs.writeMessage(encodePayload(ours)));
    return { ...establish(this.hs, peer, c.provider, nowMs), reply };
  }
}

export class ResponderHandshake {
  private readonly hs: HandshakeState;
  private readonly config: HandshakeConfig;

  constructor(config: HandshakeConfig) {
    this.config = config;
    this.hs = new HandshakeState({ provider: config.provider, protocolName: PRODUCTION_PROTOCOL, initiator: false, prologue: PROLOGUE, s: config.identity.staticKey });
  }

  // -> e   then   <- e, ee, s, es
  /** Reads message 1 and returns message 2. */
  receiveHello(envelope: Uint8Array): Uint8Array {
    const hello = this.hs.readMessage(expectKind(envelope, EnvelopeKind.MESSAGE1));
    if (hello.length !== 1 || (hello[0]! & ~HELLO_KNOWS_YOU) !== 0) {
      throw new HandshakeError('HANDSHAKE_BAD_MESSAGE', 'bad hello in message 1');
    }
    const c = this.config;
    const ours = hello[0] === HELLO_KNOWS_YOU ? referencePayload(c.identity, c.extensions) : fullPayload(c.identity, c.extensions);
    return encodeEnvelope(EnvelopeKind.MESSAGE2, this.hs.writeMessage(encodePayload(ours)));
  }

  // -> s, se
  /** Reads message 3, verifies the initiator, and returns the channel. */
  receiveFinish(envelope: Uint8Array, nowMs = 0): Established {
    const payload = this.hs.readMessage(expectKind(envelope, EnvelopeKind.MESSAGE3));
    const c = this.config;
    const peer = verifyPeer(payload, { provider: c.provider, rs: this.hs.rs!, now: c.now(), policy: c.policy, ...(c.cache ? { cache: c.cache } : {}) });
    return establish(this.hs, peer, c.provider, nowMs);
  }
}

