/**
 * The XS half of measure.ts: commands that set up one named function, then run it between a
 * full collection and a second one, reading XS's meter around the call itself.
 *
 * Meter units come from resetMeter() inside the crank, so JSON decoding and dispatch are left
 * out. Heap slots can only be read by the host, after each crank; to know whether a collection
 * inside the call (which would hide slots) happened, a FinalizationRegistry watches a sentinel
 * object made unreachable just before the call. WeakRefs cannot serve: under xsnap's
 * deterministic build (mxSnapshot) organic collections treat WeakRef targets as strong, while
 * finalization still reports them.
 */
import type { CommandHandlers } from './xs-commands.ts';
import { xsHost } from './xs-globals.ts';

/** Runs the setup for one measurement (not measured) and returns the call to measure. */
export type MeasureTarget = (arg: unknown) => () => unknown;

/** Measurement commands over these targets, plus 'noop' (the host calibrates with it). */
export function measurementCommands(targets: Readonly<Record<string, MeasureTarget>>): CommandHandlers {
  const all: Readonly<Record<string, MeasureTarget>> = { noop: () => () => undefined, ...targets };
  const collected = new Set<number>();
  const registry = new FinalizationRegistry<number>((token) => collected.add(token));
  let token = 0;
  let thunk: (() => unknown) | undefined;
  // The last call's result stays reachable through 'settle', so retained slots include it.
  let result: unknown;

  return {
    prepare(request) {
      const name = String(request['target']);
      const make = Object.prototype.hasOwnProperty.call(all, name) ? all[name] : undefined;
      if (!make) throw new TypeError(`no measurement target "${name}"`);
      thunk = make(request['arg']);
      return Object.keys(all).length;
    },
    arm() {
      result = undefined;
      xsHost().gc();
      token++;
      registry.register({}, token);
      return token;
    },
    call() {
      if (!thunk) throw new TypeError('prepare a target first');
      const xs = xsHost();
      const limit = xs.currentMeterLimit();
      const before = xs.resetMeter(limit, 0);
      result = thunk();
      const compute = xs.resetMeter(limit, 0);
      xs.resetMeter(limit, before + compute);
      return { compute };
    },
    settle() {
      // Finalization callbacks for collections inside 'call' ran when that crank ended.
      const gcDuringCall = collected.has(token);
      xsHost().gc();
      return { gcDuringCall };
    },
  };
}
