/**
 * Bundles TypeScript for XS with esbuild: one IIFE script, ES2020 syntax (@noble/curves 2.x
 * uses class static fields, which the XS 13 in xsnap rejects unless lowered), and an alias map
 * so firmware imports of Moddable modules ('timer', 'preference', ...) resolve to simulator
 * shims. Bundles are cached per entry and options for the life of the process.
 */
import { build } from 'esbuild';

export interface BundleOptions {
  /** Module specifier -> file that replaces it (Moddable modules -> shims). */
  readonly alias?: Record<string, string>;
  readonly minify?: boolean;
}

export interface Bundle {
  readonly code: string;
  readonly bytes: number;
}

const cache = new Map<string, Promise<Bundle>>();

export function bundleForXs(entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const key = JSON.stringify([entry, options]);
  let pending = cache.get(key);
  if (!pending) {
    pending = build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      alias: options.alias ?? {},
      minify: options.minify ?? false,
      legalComments: 'none',
      logLevel: 'silent',
    }).then((r) => {
      const code = r.outputFiles[0]!.text;
      return { code, bytes: Buffer.byteLength(code) };
    });
    cache.set(key, pending);
  }
  return pending;
}
