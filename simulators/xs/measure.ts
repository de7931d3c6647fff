/**
 * Runs the XS test bundle in a fresh xsnap-worker and reads XS's deterministic meter: the
 * figures the bench reports for the device (meter units and heap slots), and the harness the
 * XS test suite drives.
 */
import { fileURLToPath } from 'node:url';
import { fromHex, toHex, utf8Decode, utf8Encode } from '../../protocol/bytes.ts';
import { HandshakeState } from '../../protocol/noise/handshake-state.ts';
import { PRODUCTION_PROTOCOL } from '../../protocol/noise/protocol-name.ts';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { bundleForXs } from './bundle.ts';
import { XsnapProcess, type XsMeter } from './xsnap-process.ts';

const ENTRY = fileURLToPath(new URL('../../test/xs/entry.ts', import.meta.url));

/** An xsnap-worker with the test bundle loaded, speaking JSON requests. */
export class XsTestHost {
  private constructor(readonly xs: XsnapProcess, readonly bundleBytes: number) {}

  static async start(): Promise<XsTestHost> {
    const bundle = await bundleForXs(ENTRY);
    const xs = new XsnapProcess({ name: 'test-bundle' });
    await xs.evaluate(bundle.code);
    return new XsTestHost(xs, bundle.bytes);
  }

  async request<T>(body: object): Promise<{ reply: T; meter: XsMeter }> {
    const { result, meter } = await this.xs.command(utf8Encode(JSON.stringify(body)));
    return { reply: JSON.parse(utf8Decode(result)) as T, meter };
  }

  close(): Promise<void> {
    return this.xs.close();
  }
}

export interface HandshakeCost {
  /** Meter units for the initiator's whole part: write 1, read 2, write 3. */
  readonly compute: number;
  /**
   * Heap slots the handshake took above the collected baseline, garbage included (XS reports
   * the slot count after each crank, not a peak): an upper bound on its peak live slots unless
   * XS collected inside the crank.
   */
  readonly slotsAboveBaseline: number;
  /** Slots still live after the handshake and a collection (the channel state it leaves). */
  readonly retainedSlots: number;
  readonly handshakeBytes: readonly number[];
}

/** One XX initiator handshake on XS against a node:crypto responder on the host. */
export async function measureInitiatorHandshake(host: XsTestHost): Promise<HandshakeCost> {
  const before = await host.request<string>({ op: 'handshake-prepare' });
  const baseline = await host.request<null>({ op: 'gc' });
  const responder = new HandshakeState({
    provider: nodeCryptoProvider(),
    protocolName: PRODUCTION_PROTOCOL,
    initiator: false,
    prologue: new Uint8Array(0),
    s: nodeCryptoProvider().dh.generateKeyPair(),
  });
  const m1 = await host.request<string>({ op: 'handshake-write1' });
  responder.readMessage(fromHex(m1.reply));
  const message2 = responder.writeMessage(new Uint8Array(0));
  const m3 = await host.request<string>({ op: 'handshake-read2-write3', message2: toHex(message2) });
  responder.readMessage(fromHex(m3.reply));
  if (responder.status !== 'complete' || toHex(responder.rs!) !== before.reply) throw new Error('XS handshake did not complete');
  const after = await host.request<null>({ op: 'gc' });
  const base = baseline.meter.heapSlots;
  return {
    compute: m1.meter.compute + m3.meter.compute,
    slotsAboveBaseline: Math.max(m1.meter.heapSlots, m3.meter.heapSlots) - base,
    retainedSlots: after.meter.heapSlots - base,
    handshakeBytes: [m1.reply.length / 2, message2.length, m3.reply.length / 2],
  };
}
