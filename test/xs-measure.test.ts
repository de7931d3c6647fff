/**
 * The XS meter helper: its heap accounting on targets of known size, its detection of a
 * collection inside the call, and the device costs the bench reports (printed here too).
 */
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { COST_TARGETS, measureCost, measureInitiatorHandshake, measureXsCall, startCostHost, type Measurement } from '../simulators/xs/measure.ts';

const ENTRY = fileURLToPath(new URL('./xs/bridge-entry.ts', import.meta.url));

const retained = async (count: number): Promise<number> =>
  (await measureXsCall({ entry: ENTRY, target: 'retain', arg: count, runs: 1 })).runs[0]!.retainedSlots;

describe('measuring on XS', function () {
  this.timeout(60_000);

  it('counts what a call keeps, exactly and linearly in what it keeps', async () => {
    const [r0, r1, r2, r3] = await Promise.all([0, 1000, 2000, 3000].map(retained));
    assert.ok(r1! - r0! >= 1000, `1,000 objects retain at least 1,000 slots (got ${r1! - r0!})`);
    assert.equal(r2! - r1!, r3! - r2!, 'each further 1,000 objects retain the same number of slots');
  });

  it('counts garbage in allocated slots and none of it in retained slots', async () => {
    const m = await measureXsCall({ entry: ENTRY, target: 'garbage', arg: 1000, runs: 2 });
    for (const run of m.runs) {
      assert.equal(run.gcDuringCall, false);
      assert.ok(run.allocatedSlots >= 1000, `allocated ${run.allocatedSlots}`);
      assert.ok(Math.abs(run.retainedSlots) <= 2, `retained ${run.retainedSlots}`);
    }
    assert.equal(m.runs[0]!.peakHeapSlots, m.baselineHeapSlots + m.runs[0]!.allocatedSlots);
    assert.equal(m.runs[0]!.compute, m.runs[1]!.compute, 'the same call meters the same');
  });

  it('detects a collection inside the call instead of reporting a wrong peak', async () => {
    // XS starts with 256 Ki slots: a million short-lived objects force collections.
    const m = await measureXsCall({ entry: ENTRY, target: 'garbage', arg: 1_000_000, runs: 1 });
    assert.equal(m.runs[0]!.gcDuringCall, true);
  });

  it('fails clearly on an unknown target', async () => {
    await assert.rejects(measureXsCall({ entry: ENTRY, target: 'nope' }), /no measurement target "nope"/);
  });

  describe('device costs (firmware provider: ChaChaPoly, SHA256)', () => {
    const results = new Map<string, Measurement>();

    for (const target of COST_TARGETS) {
      it(`${target}: deterministic meter units, no collection inside the call`, async () => {
        const [a, b] = await Promise.all([measureCost(target), measureCost(target)]);
        assert.deepEqual(a.runs, b.runs, 'two fresh processes measure the same');
        for (const run of a.runs) {
          assert.equal(run.gcDuringCall, false);
          assert.ok(run.compute > 10_000 && run.allocatedSlots > 0);
        }
        results.set(target, a);
      });
    }

    it('an XX initiator handshake completes against the host responder (messages 32, 96, 64 bytes)', async () => {
      const host = await startCostHost();
      try {
        const cost = await measureInitiatorHandshake(host, 2);
        assert.deepEqual(cost.handshakeBytes, [32, 96, 64]);
      } finally {
        await host.close();
      }
    });

    after(() => {
      for (const [target, m] of results) {
        const [cold, warm] = m.runs;
        console.log(`    ${target}: ${warm!.compute.toLocaleString('en')} meter units warm (${cold!.compute.toLocaleString('en')} cold), ` +
          `${warm!.allocatedSlots} slots allocated, ${warm!.retainedSlots} retained, peak heap ${warm!.peakHeapSlots} slots; bundle ${m.bundleBytes} B`);
      }
    });
  });
});
