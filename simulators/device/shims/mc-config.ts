/**
 * Shim of Moddable's `mc/config` (the manifest's `config` block): filled by the simulator's
 * `boot` command before the firmware's main runs, so each simulated device has its own build
 * configuration.
 */
const config: Record<string, unknown> = {};

export function setConfig(values: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(config)) delete config[key];
  Object.assign(config, values);
}

export default config;
