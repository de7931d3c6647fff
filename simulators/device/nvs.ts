/**
 * The simulated device's NVS: what Moddable's `preference` stores, kept by the host so it
 * survives a simulated reboot (a new engine process for the same device), optionally in a
 * 0600 JSON file so it survives the simulator too.
 *
 * The ESP32's limits are enforced here, where a firmware bug would surface on the device:
 * domain and key names of 1-15 characters, values of at most 4000 bytes, integers of 32 bits.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../../protocol/errors.ts';

// Protocol constants (Moddable preference on ESP-IDF NVS).
export const MAX_NAME = 15;
export const MAX_VALUE_BYTES = 4000;

export type NvsValue = boolean | number | string | Uint8Array;

type Stored = { t: 'b'; v: boolean } | { t: 'i'; v: number } | { t: 's'; v: string } | { t: 'x'; v: string };

function checkName(name: string, what: string): void {
  if (name.length < 1 || name.length > MAX_NAME) throw new ConfigError('CONFIG_INVALID', `NVS ${what} '${name.slice(0, 20)}' must be 1-${MAX_NAME} characters`);
}

export class NvsStore {
  private readonly domains = new Map<string, Map<string, NvsValue>>();
  /** Writes, for tests that care about flash wear. */
  writes = 0;

  /** Loads `file` when it exists; every change is written back to it (mode 0600). */
  constructor(private readonly file?: string) {
    if (file !== undefined && existsSync(file)) this.load(file);
  }

  get(domain: string, key: string): NvsValue | undefined {
    checkName(domain, 'domain');
    checkName(key, 'key');
    const v = this.domains.get(domain)?.get(key);
    return v instanceof Uint8Array ? v.slice() : v;
  }

  set(domain: string, key: string, value: NvsValue): void {
    checkName(domain, 'domain');
    checkName(key, 'key');
    if (typeof value === 'number' && !(Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff)) throw new ConfigError('CONFIG_INVALID', 'NVS integers are 32-bit');
    const size = value instanceof Uint8Array ? value.length : typeof value === 'string' ? new TextEncoder().encode(value).length : 4;
    if (size > MAX_VALUE_BYTES) throw new ConfigError('CONFIG_INVALID', `NVS value '${key}' of ${size} bytes exceeds ${MAX_VALUE_BYTES}`);
    let d = this.domains.get(domain);
    if (d === undefined) this.domains.set(domain, (d = new Map()));
    d.set(key, value instanceof Uint8Array ? value.slice() : value);
    this.writes++;
    this.save();
  }

  delete(domain: string, key: string): void {
    checkName(domain, 'domain');
    checkName(key, 'key');
    if (this.domains.get(domain)?.delete(key)) this.save();
  }

  keys(domain: string): string[] {
    checkName(domain, 'domain');
    return [...(this.domains.get(domain)?.keys() ?? [])];
  }

  private save(): void {
    if (this.file === undefined) return;
    const out: Record<string, Record<string, Stored>> = {};
    for (const [domain, values] of this.domains) {
      const d: Record<string, Stored> = (out[domain] = {});
      for (const [key, v] of values) {
        d[key] = typeof v === 'boolean' ? { t: 'b', v } : typeof v === 'number' ? { t: 'i', v } : typeof v === 'string' ? { t: 's', v } : { t: 'x', v: Buffer.from(v).toString('base64') };
      }
    }
    // Written whole and renamed, so a crash leaves the old file, never half a key.
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(out), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }

  private load(file: string): void {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new ConfigError('CONFIG_INVALID', `${file}: not an NVS file`);
    for (const [domain, values] of Object.entries(parsed as Record<string, Record<string, Stored>>)) {
      const d = new Map<string, NvsValue>();
      for (const [key, s] of Object.entries(values)) d.set(key, s.t === 'x' ? new Uint8Array(Buffer.from(s.v, 'base64')) : s.v);
      this.domains.set(domain, d);
    }
  }
}
