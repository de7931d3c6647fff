/**
 * The test bundle that runs inside xsnap-worker. The host sends JSON requests through
 * handleCommand; this side runs portable suites (the same ones mocha runs on Node) or single
 * handshake steps, so the host can read XS's meter for each crank.
 */
import { fromHex, toHex, utf8Decode, utf8Encode } from '../../protocol/bytes.ts';
import { nobleProvider } from '../../protocol/crypto/noble/index.ts';
import type { CryptoProvider, KeyPair } from '../../protocol/crypto/provider.ts';
import { HandshakeState } from '../../protocol/noise/handshake-state.ts';
import { PRODUCTION_PROTOCOL } from '../../protocol/noise/protocol-name.ts';
import { parseNoiseVector } from '../portable/noise-vector.ts';
import { noiseVectorSuite } from '../portable/noise-vectors.suite.ts';
import { seededRandom } from '../portable/seeded-random.ts';
import { XS_SUITES } from './suites.ts';
import type { Suite } from '../portable/suite.ts';

declare const globalThis: { handleCommand?: (request: ArrayBuffer) => ArrayBuffer };

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly message?: string;
}

type Request =
  | { op: 'suite'; suite: string }
  | { op: 'noise-vectors'; vectors: unknown[]; expected: number }
  | { op: 'gc' }
  | { op: 'handshake-prepare' }
  | { op: 'handshake-write1' }
  | { op: 'handshake-read2-write3'; message2: string };

const provider: CryptoProvider = nobleProvider(seededRandom(1));
let initiator: HandshakeState | undefined;
let staticKey: KeyPair | undefined;

function runSuite(suite: Suite): CaseResult[] {
  return suite.cases.map((c) => {
    try {
      c.run();
      return { name: c.name, ok: true };
    } catch (e) {
      return { name: c.name, ok: false, message: String(e) };
    }
  });
}

function handle(request: Request): unknown {
  switch (request.op) {
    case 'suite': {
      const make = XS_SUITES[request.suite];
      if (!make) throw new Error(`no XS suite ${request.suite}`);
      return runSuite(make(provider));
    }
    case 'noise-vectors':
      return runSuite(noiseVectorSuite(provider, request.vectors.map(parseNoiseVector), request.expected));
    case 'gc':
      // A crank of its own, so the collection's cost never lands in a measured crank.
      (globalThis as unknown as { gc(): void }).gc();
      return null;
    case 'handshake-prepare':
      // The static key belongs to provisioning, not to the handshake: derive it in its own crank.
      staticKey ??= provider.dh.keyPairFromPrivate(fromHex('11'.repeat(32)));
      return toHex(staticKey.publicKey);
    case 'handshake-write1':
      if (!staticKey) throw new Error('handshake-prepare first');
      initiator = new HandshakeState({ provider, protocolName: PRODUCTION_PROTOCOL, initiator: true, prologue: new Uint8Array(0), s: staticKey });
      return toHex(initiator.writeMessage(new Uint8Array(0)));
    case 'handshake-read2-write3': {
      if (!initiator) throw new Error('handshake-write1 first');
      initiator.readMessage(fromHex(request.message2));
      return toHex(initiator.writeMessage(new Uint8Array(0)));
    }
  }
}


globalThis.handleCommand = (request: ArrayBuffer): ArrayBuffer => {
  const reply = handle(JSON.parse(utf8Decode(new Uint8Array(request))) as Request);
  const bytes = utf8Encode(JSON.stringify(reply ?? null));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};
