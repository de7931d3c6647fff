/** Device-side cost on the real XS engine, in XS's deterministic meter units and heap slots. */
import { measureInitiatorHandshake, startCostHost } from '../../simulators/xs/measure.ts';
import type { BenchReport } from '../report.ts';

export async function benchXs(report: BenchReport): Promise<void> {
  report.section('XS engine (xsnap-worker, firmware noble provider; deterministic)');
  const host = await startCostHost();
  try {
    const cost = await measureInitiatorHandshake(host);
    report.add({ name: 'xs.initiator_handshake.meter_units', value: cost.compute, unit: 'meter units (Noise XX only)' });
    report.add({ name: 'xs.initiator_handshake.heap_slots_above_baseline', value: cost.allocatedSlots, unit: 'slots (garbage incl.)' });
    report.add({ name: 'xs.initiator_handshake.retained_slots', value: cost.retainedSlots, unit: 'slots after GC' });
    report.add({ name: 'xs.cost_bundle_bytes', value: host.bundleBytes, unit: 'B' });
  } finally {
    await host.close();
  }
}
