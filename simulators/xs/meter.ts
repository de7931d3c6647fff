/**
 * Measures what one function costs on the real XS engine: meter units (deterministic: the same
 * bundle and seed give the same count on every machine) and heap slots, in an xsnap-worker that
 * has done nothing else, so earlier work cannot blur the figures.
 *
 * The function lives in a bundle entry that serves measurementCommands (measure-target.ts). The
 * host runs a calibration pass over 'noop' (the slots the command plumbing itself allocates,
 * subtracted below), the target's setup, then per run three cranks: arm (a full collection: the
 * baseline), call (the meter is read around the call alone), settle (a full collection: what the
 * call left behind). XS reports slots in use after each crank, so the call's figure is every slot
 * it allocated, garbage included: an upper bound on the live slots it needed at its peak, exact
 * unless XS collected inside the call, which is detected and reported rather than guessed at.
 */
import { XsBundleHost, type BundleHostOptions } from './bundle-host.ts';

export interface CallCost {
  /** Meter units spent inside the call. */
  readonly compute: number;
  /** Slots allocated by the call, garbage included (exact when gcDuringCall is false). */
  readonly allocatedSlots: number;
  /** Baseline live slots plus allocatedSlots: the most heap the call can have needed. */
  readonly peakHeapSlots: number;
  /** Slots still live after the call and a full collection, its result included. */
  readonly retainedSlots: number;
  /** Live slots after that collection. */
  readonly finalHeapSlots: number;
  /** XS collected inside the call, so allocatedSlots and peakHeapSlots undercount. */
  readonly gcDuringCall: boolean;
}

export interface Measurement {
  readonly target: string;
  readonly bundleBytes: number;
  /** Live slots after loading the bundle, setting up the target and collecting. */
  readonly baselineHeapSlots: number;
  /** One entry per call, in order; the first is the first call after setup ("cold"). */
  readonly runs: readonly CallCost[];
}

interface Pass {
  readonly compute: number;
  readonly allocated: number;
  readonly retained: number;
  readonly baseline: number;
  readonly final: number;
  readonly gcDuringCall: boolean;
}

async function pass(host: XsBundleHost): Promise<Pass> {
  const arm = await host.request<number>({ op: 'arm' });
  const call = await host.request<{ compute: number }>({ op: 'call' });
  const settle = await host.request<{ gcDuringCall: boolean }>({ op: 'settle' });
  const baseline = arm.meter.heapSlots;
  return {
    compute: call.value.compute,
    allocated: call.meter.heapSlots - baseline,
    retained: settle.meter.heapSlots - baseline,
    baseline,
    final: settle.meter.heapSlots,
    gcDuringCall: settle.value.gcDuringCall,
  };
}

/**
 * Measures `target` on a host whose process has run nothing but its bundle (use a new one per
 * target: setup and earlier calls change the heap the next measurement starts from).
 */
export async function measureTarget(host: XsBundleHost, target: string, arg: unknown = null, runs = 2): Promise<Measurement> {
  await host.request({ op: 'prepare', target: 'noop' });
  const overhead = await pass(host);
  await host.request({ op: 'prepare', target, arg });
  const costs: CallCost[] = [];
  let baselineHeapSlots = 0;
  for (let i = 0; i < runs; i++) {
    const p = await pass(host);
    if (i === 0) baselineHeapSlots = p.baseline;
    const allocatedSlots = p.allocated - overhead.allocated;
    costs.push({
      compute: p.compute,
      allocatedSlots,
      peakHeapSlots: p.baseline + allocatedSlots,
      retainedSlots: p.retained - overhead.retained,
      finalHeapSlots: p.final,
      gcDuringCall: p.gcDuringCall,
    });
  }
  return { target, bundleBytes: host.bundleBytes, baselineHeapSlots, runs: costs };
}

export interface MeasureOptions extends BundleHostOptions {
  /** The target's name in the entry's measurementCommands. */
  readonly target: string;
  /** JSON value handed to the target's setup. */
  readonly arg?: unknown;
  /** Calls to measure in sequence (default 2: cold, then warm). */
  readonly runs?: number;
}

/** Measures one target in a fresh xsnap-worker, closed before this returns. */
export async function measureXsCall(options: MeasureOptions): Promise<Measurement> {
  const host = await XsBundleHost.start({ name: `measure ${options.target}`, ...options });
  try {
    return await measureTarget(host, options.target, options.arg ?? null, options.runs ?? 2);
  } finally {
    await host.close();
  }
}
