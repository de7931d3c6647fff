/**
 * Bundles a TypeScript entry into one script for XS, with esbuild's JS API.
 *
 * An IIFE script rather than an ES module: xsnap-worker evaluates scripts ('e') but has no module
 * loader for our files, and a script needs no snapshot or module map. ES2020 syntax because
 * @noble/curves 2.x uses class static fields, which the XS 13 inside xsnap rejects unless
 * esbuild lowers them. Platform 'neutral' so nothing Node-only is assumed, with the main fields
 * and conditions that make the @noble packages resolve. `alias` maps module specifiers to files,
 * so firmware importing Moddable modules ('timer', 'preference', 'bleserver',
 * 'embedded:io/serial') gets the simulator's shims instead.
 *
 * Bundles are cached in memory per entry and options for the life of the process (tests and
 * simulators load the same firmware many times); a failed build is not cached.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';

export interface BundleOptions {
  /** Module specifier -> replacement: a package name, an absolute path, or a path relative to the working directory. */
  readonly alias?: Readonly<Record<string, string>>;
  /** Global identifiers replaced at build time, e.g. `{ 'DEBUG': 'false' }`. */
  readonly define?: Readonly<Record<string, string>>;
  readonly minify?: boolean;
}

export interface Bundle {
  /** The script to evaluate in XS. */
  readonly code: string;
  /** Its size in bytes (UTF-8). */
  readonly bytes: number;
}

const cache = new Map<string, Promise<Bundle>>();

function sorted(record: Readonly<Record<string, string>> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function bundleForXs(entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const entryPath = resolve(entry);
  const alias = Object.fromEntries(sorted(options.alias));
  const define = Object.fromEntries(sorted(options.define));
  const minify = options.minify ?? false;
  const key = JSON.stringify([entryPath, alias, define, minify]);
  let pending = cache.get(key);
  if (!pending) {
    pending = build({
      entryPoints: [entryPath],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      alias,
      define,
      minify,
      legalComments: 'none',
      logLevel: 'silent',
    }).then((result) => {
      const file = result.outputFiles[0];
      if (!file) throw new Error(`esbuild produced no output for ${entryPath}`);
      return { code: file.text, bytes: file.contents.byteLength };
    });
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}
