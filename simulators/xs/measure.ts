/**
 * Device-side costs on the real XS engine, for the bench: one X25519 DH, one Ed25519 sign and
 * verify, one XX initiator handshake, each measured in its own fresh xsnap-worker by meter.ts
 * over the targets in cost-entry.ts. The handshake's responder runs here on the host with
 * node:crypto, reached by the XS side through HOST_SERVICE.peer, so only the device's half is
 * metered; it checks that every measured handshake really completed with the device's key.
 */
import { fileURLToPath } from 'node:url';
import { EMPTY, equalBytes } from '../../protocol/bytes.ts';
import { HandshakeState } from '../../protocol/noise/handshake-state.ts';
import { PRODUCTION_PROTOCOL } from '../../protocol/noise/protocol-name.ts';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { XsBundleHost, type BundleHostOptions } from './bundle-host.ts';
import { HOST_SERVICE } from './host-call.ts';
import type { HostService } from './host-services.ts';
import { measureTarget, type CallCost, type Measurement } from './meter.ts';
import { seededRandom } from './random.ts';

export { measureTarget, measureXsCall, type CallCost, type MeasureOptions, type Measurement } from './meter.ts';

/** The bundle entry holding the cost targets. */
export const COST_ENTRY = fileURLToPath(new URL('./cost-entry.ts', import.meta.url));
export const COST_TARGETS = ['x25519-dh', 'ed25519-sign', 'ed25519-verify', 'xx-initiator'] as const;
export type CostTarget = (typeof COST_TARGETS)[number];

/** Starts a fresh xsnap-worker with the cost bundle loaded: one per measurement. */
export function startCostHost(options: Partial<BundleHostOptions> = {}): Promise<XsBundleHost> {
  return XsBundleHost.start({ name: 'xs-costs', ...options, entry: COST_ENTRY });
}

export interface HandshakeCost extends CallCost {
  /** Sizes of XX messages 1, 2 and 3 (empty payloads). */
  readonly handshakeBytes: readonly number[];
}

// The device's static private key in cost-entry.ts ('xx-initiator'): the responder checks it.
const DEVICE_STATIC = new Uint8Array(32).fill(0x55);

/**
 * The peer service: a node:crypto XX responder, a new one for every handshake. Its ephemeral
 * keys come from a seeded stream (the option otherwise reserved for vectors): the device's DH
 * work depends on the peer's keys, so random ones would move the meter count between runs.
 */
function responderPeer(onComplete: (rs: Uint8Array, sizes: number[]) => void): HostService {
  const provider = nodeCryptoProvider();
  const s = provider.dh.keyPairFromPrivate(new Uint8Array(32).fill(0x66));
  const ephemeral = seededRandom(0x7e5);
  let hs: HandshakeState | undefined;
  let sizes: number[] = [];
  return (message) => {
    if (!hs || hs.status === 'complete') {
      const e = provider.dh.keyPairFromPrivate(ephemeral(32));
      hs = new HandshakeState({ provider, protocolName: PRODUCTION_PROTOCOL, initiator: false, prologue: EMPTY, s, e });
      sizes = [];
    }
    sizes.push(message.length);
    hs.readMessage(message);
    if (hs.status === 'complete') {
      onComplete(hs.rs!, sizes);
      return EMPTY;
    }
    const reply = hs.writeMessage(EMPTY);
    sizes.push(reply.length);
    return reply;
  };
}

/** Registers the responder and returns a check that `runs` handshakes completed with our key. */
function attachResponder(host: XsBundleHost): { completed: () => number; handshakeBytes: () => number[] } {
  const expected = nodeCryptoProvider().dh.keyPairFromPrivate(DEVICE_STATIC).publicKey;
  let completed = 0;
  let sizes: number[] = [];
  host.services.register(HOST_SERVICE.peer, responderPeer((rs, messageSizes) => {
    if (equalBytes(rs, expected)) completed++;
    sizes = messageSizes;
  }));
  return { completed: () => completed, handshakeBytes: () => sizes };
}

async function measureHandshakes(host: XsBundleHost, runs: number): Promise<{ measurement: Measurement; handshakeBytes: number[] }> {
  const responder = attachResponder(host);
  const measurement = await measureTarget(host, 'xx-initiator', null, runs);
  if (responder.completed() !== runs) throw new Error(`${responder.completed()} of ${runs} XS handshakes completed with the device's static key`);
  return { measurement, handshakeBytes: responder.handshakeBytes() };
}

/** Measures one cost target in its own fresh process (the handshake with its responder). */
export async function measureCost(target: CostTarget, runs = 2): Promise<Measurement> {
  const host = await startCostHost({ name: `xs-costs ${target}` });
  try {
    if (target === 'xx-initiator') return (await measureHandshakes(host, runs)).measurement;
    return await measureTarget(host, target, null, runs);
  } finally {
    await host.close();
  }
}

/** XX initiator handshakes on XS against a node:crypto responder; host from startCostHost(). */
export async function measureInitiatorHandshake(host: XsBundleHost, runs = 1): Promise<HandshakeCost> {
  const { measurement, handshakeBytes } = await measureHandshakes(host, runs);
  const last = measurement.runs[runs - 1]!;
  return { ...last, handshakeBytes };
}
