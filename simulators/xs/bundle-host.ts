/**
 * One fresh xsnap-worker with one bundle loaded and host services attached, spoken to in JSON
 * commands: what tests, measurements and (later) simulated devices start from. An object per
 * process rather than a shared engine, so a fleet simulation or a measurement runs as many
 * isolated XS machines side by side as it needs, each with its own services.
 */
import { bundleForXs, type BundleOptions } from './bundle.ts';
import { defaultHostServices, type HostServices } from './host-services.ts';
import { requestJson } from './json-client.ts';
import type { JsonRequest } from './xs-commands.ts';
import { XsnapProcess, type CallOptions, type XsMeter, type XsnapOptions } from './xsnap-process.ts';

export interface BundleHostOptions extends Omit<XsnapOptions, 'prelude'> {
  /** TS entry to bundle and evaluate. */
  readonly entry: string;
  readonly bundle?: BundleOptions;
  /** Answers XS's host calls; default: randomness only (defaultHostServices). */
  readonly services?: HostServices;
}

export class XsBundleHost {
  private constructor(
    readonly xs: XsnapProcess,
    readonly services: HostServices,
    readonly bundleBytes: number,
    /** Meter of the crank that evaluated the bundle (its load cost on XS). */
    readonly loadMeter: XsMeter,
  ) {}

  static async start(options: BundleHostOptions): Promise<XsBundleHost> {
    const bundle = await bundleForXs(options.entry, options.bundle ?? {});
    const xs = await XsnapProcess.start(options);
    try {
      const services = (options.services ?? defaultHostServices()).attach(xs);
      const loaded = await xs.evaluate(bundle.code);
      return new XsBundleHost(xs, services, bundle.bytes, loaded.meter);
    } catch (e) {
      await xs.close();
      throw e;
    }
  }

  request<T>(request: JsonRequest, options: CallOptions = {}): Promise<{ value: T; meter: XsMeter }> {
    return requestJson<T>(this.xs, request, options);
  }

  close(): Promise<void> {
    return this.xs.close();
  }
}
