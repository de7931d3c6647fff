/**
 * Device attributes: short `key=value` labels the operator gives a device at enrollment
 * (`--attr role=sensor`), or a ticket gives the device that redeems it. Access rules match on
 * them, so they are identifiers, not free text: they end up in logs, rules and SQL.
 */
import { ConfigError } from '../protocol/errors.ts';

export type Attributes = Readonly<Record<string, string>>;

// Our limits.
/** Attributes per device: enough for role, site, model, owner...; bounds a registry row. */
export const MAX_ATTRIBUTES = 16;
const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const VALUE_PATTERN = /^[A-Za-z0-9_.:@\/+-]{1,64}$/;

function checkPair(key: string, value: string): void {
  if (!KEY_PATTERN.test(key)) throw new ConfigError('CONFIG_INVALID', `attribute key '${key.slice(0, 40)}' must be 1-32 of [A-Za-z0-9_.-]`);
  if (!VALUE_PATTERN.test(value)) throw new ConfigError('CONFIG_INVALID', `attribute ${key}: value must be 1-64 of [A-Za-z0-9_.:@/+-]`);
}

/** ['role=sensor', 'site=b2'] -> { role: 'sensor', site: 'b2' }; a repeated key is refused. */
export function parseAttributes(pairs: readonly string[]): Attributes {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError('CONFIG_INVALID', `attribute '${pair.slice(0, 40)}' must be key=value`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    checkPair(key, value);
    if (Object.hasOwn(out, key)) throw new ConfigError('CONFIG_INVALID', `attribute ${key} given twice`);
    out[key] = value;
  }
  return checkAttributes(out);
}

/** Validates attributes from storage or a rules file; returns a plain sorted copy. */
export function checkAttributes(attributes: unknown): Attributes {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new ConfigError('CONFIG_INVALID', 'attributes must be an object of strings');
  }
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) throw new ConfigError('CONFIG_INVALID', `at most ${MAX_ATTRIBUTES} attributes`);
  const out: Record<string, string> = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof value !== 'string') throw new ConfigError('CONFIG_INVALID', `attribute ${key.slice(0, 40)} must be a string`);
    checkPair(key, value);
    out[key] = value;
  }
  return out;
}

export function formatAttributes(attributes: Attributes): string {
  return Object.entries(attributes).map(([k, v]) => `${k}=${v}`).join(' ');
}
