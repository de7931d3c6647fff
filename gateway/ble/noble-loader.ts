/**
 * Chooses the noble binding for `ble.adapter`: 'hci' loads real noble (HCI socket) only now,
 * because requiring it on a machine without a Bluetooth controller fails (EAFNOSUPPORT);
 * 'sim:<endpoint>' puts the real noble classes on the simulated radio.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../../protocol/errors.ts';
import type { NobleCentral } from './noble-types.ts';

export interface LoadedNoble {
  readonly noble: NobleCentral;
  /** Releases the adapter (the simulated radio's socket); noble's HCI binding has no such call. */
  stop(): void;
}

export async function loadNoble(adapter: string, desiredMtu: number): Promise<LoadedNoble> {
  if (adapter.startsWith('sim:')) {
    const { simulatedNoble } = await import('../../simulators/ble/noble-binding.ts');
    const { noble, binding } = simulatedNoble({ endpoint: adapter.slice('sim:'.length), desiredMtu });
    return { noble: noble as unknown as NobleCentral, stop: () => binding.stop() };
  }
  const require = createRequire(import.meta.url);
  try {
    return { noble: require('@abandonware/noble') as NobleCentral, stop: () => undefined };
  } catch (error) {
    throw new ConfigError('CONFIG_INVALID', `ble.adapter 'hci': no usable Bluetooth controller (${(error as NodeJS.ErrnoException).code ?? 'load failed'})`);
  }
}
