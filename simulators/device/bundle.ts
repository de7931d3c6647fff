/**
 * The firmware, bundled two ways from the same sources:
 *
 * - for the simulators (bundleSimulatedFirmware): one script for xsnap-worker or a Node vm,
 *   with every Moddable module the firmware imports replaced by its shim (./shims), linked to
 *   the simulator entry (entry.ts);
 * - for a Moddable build (bundleFirmwareForModdable): one ES module, `main`, with the Moddable
 *   specifiers left as imports for mcconfig to resolve (manifests/). One module instead of the
 *   source tree because Moddable resolves module specifiers by manifest name, not by the
 *   relative `.ts` paths the sources use; the device then runs exactly the code the
 *   simulators run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { bundleForXs, type Bundle } from '../xs/bundle.ts';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export const FIRMWARE_MAIN = here('../../firmware/main.ts');
/** The optional `burrow-native-crypto` module (firmware/crypto.ts, the native hook). */
export const NATIVE_CRYPTO_MODULE = here('../../firmware/native/digest-provider.ts');
/** The noble facade, its own (not preloaded) module in a Moddable build (firmware/noble.ts). */
export const NOBLE_MODULE = here('../../firmware/noble.ts');
export const NOBLE_MODULE_NAME = 'burrow-noble';
export const DEVICE_ENTRY = here('./entry.ts');
export const BLE_SERVICE_FILE = here('../../firmware/bleservices/burrow.json');

/** Every Moddable module specifier the firmware imports, and the shim standing in for it. */
export const SHIMS: Readonly<Record<string, string>> = {
  timer: here('./shims/timer.ts'),
  time: here('./shims/time.ts'),
  preference: here('./shims/preference.ts'),
  modules: here('./shims/modules.ts'),
  'mc/config': here('./shims/mc-config.ts'),
  'embedded:io/serial': here('./shims/serial.ts'),
  'embedded:io/digital': here('./shims/digital.ts'),
  bleserver: here('./shims/bleserver.ts'),
  btutils: here('./shims/btutils.ts'),
  'hardware-random': here('./shims/hardware-random.ts'),
  crypt: here('./shims/crypt.ts'),
};

export function bundleSimulatedFirmware(options: { readonly minify?: boolean } = {}): Promise<Bundle> {
  return bundleForXs(DEVICE_ENTRY, { alias: { ...SHIMS, 'burrow-firmware': FIRMWARE_MAIN, 'burrow-native-crypto': NATIVE_CRYPTO_MODULE }, minify: options.minify ?? false });
}

/** What a Moddable build of the firmware consists of (manifests/ name these files). */
export const MODDABLE_MODULES = {
  /** The firmware and the protocol core: preloaded. */
  main: FIRMWARE_MAIN,
  /** The noble libraries: loaded at boot. */
  [NOBLE_MODULE_NAME]: NOBLE_MODULE,
  /** Optional: native SHA-256 through Moddable's crypt (firmware/crypto.ts, the native hook). */
  'burrow-native-crypto': NATIVE_CRYPTO_MODULE,
} as const;

/** esbuild plugin: every `@noble/*` import becomes an import of the burrow-noble module. */
const nobleAsModule: Plugin = {
  name: 'burrow-noble',
  setup(b) {
    b.onResolve({ filter: /^@noble\// }, () => ({ path: NOBLE_MODULE_NAME, external: true }));
  },
};

/**
 * Writes one module of a Moddable build (`name` in MODDABLE_MODULES) as an ES module for
 * mcconfig, Moddable specifiers left as imports; returns its size in bytes.
 */
export async function bundleFirmwareForModdable(outFile: string, options: { readonly minify?: boolean; readonly module?: keyof typeof MODDABLE_MODULES } = {}): Promise<number> {
  const name = options.module ?? 'main';
  const result = await build({
    entryPoints: [MODDABLE_MODULES[name]],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    external: [...Object.keys(SHIMS), 'crypt'],
    plugins: name === NOBLE_MODULE_NAME ? [] : [nobleAsModule],
    minify: options.minify ?? false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no ${name} module`);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, file.contents);
  return file.contents.byteLength;
}
