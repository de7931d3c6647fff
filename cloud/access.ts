/**
 * Per-service access rules: which enrolled devices may use which local service through their
 * channel. Enrollment decides who may open a channel at all; these rules narrow what an open
 * channel may reach, by identifier or by attribute (e.g. only `role=sensor` may send
 * telemetry).
 *
 * <data>/access.json maps a service name to a list of rules; a device may use the service when
 * at least one rule matches it, and a rule matches when its identifier (if given) is the
 * device's and every attribute it names has that value:
 *
 *   { "telemetry": [{ "attributes": { "role": "sensor" } }, { "identifier": "I0123..." }],
 *     "echo": [] }
 *
 * A service the file does not name is open to every enrolled device, so a fresh install works
 * without a rules file; `[]` closes a service to all devices.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../protocol/errors.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { checkAttributes, type Attributes } from './attributes.ts';
import type { DeviceRecord } from './storage/store.ts';

export interface AccessRule {
  readonly identifier?: string;
  readonly attributes?: Attributes;
}

const SERVICE_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

function parseRule(service: string, raw: unknown): AccessRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('CONFIG_INVALID', `access rule for ${service} must be an object`);
  const { identifier, attributes, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new ConfigError('CONFIG_INVALID', `access rule for ${service}: unknown field ${Object.keys(rest)[0]!.slice(0, 40)}`);
  if (identifier === undefined && attributes === undefined) throw new ConfigError('CONFIG_INVALID', `access rule for ${service} names neither identifier nor attributes`);
  const rule: { identifier?: string; attributes?: Attributes } = {};
  if (identifier !== undefined) {
    if (typeof identifier !== 'string') throw new ConfigError('CONFIG_INVALID', `access rule for ${service}: identifier must be a string`);
    try {
      parseIdentifier(identifier);
    } catch {
      throw new ConfigError('CONFIG_INVALID', `access rule for ${service}: identifier must be I + 40 lowercase hex digits`);
    }
    rule.identifier = identifier;
  }
  if (attributes !== undefined) rule.attributes = checkAttributes(attributes);
  return rule;
}

function matches(rule: AccessRule, device: DeviceRecord): boolean {
  if (rule.identifier !== undefined && rule.identifier !== device.identifier) return false;
  for (const [key, value] of Object.entries(rule.attributes ?? {})) {
    if (!Object.hasOwn(device.attributes, key) || device.attributes[key] !== value) return false;
  }
  return true;
}

export class AccessRules {
  private readonly rules: ReadonlyMap<string, readonly AccessRule[]>;

  constructor(rules: ReadonlyMap<string, readonly AccessRule[]> = new Map()) {
    this.rules = rules;
  }

  /** Throws CONFIG_INVALID on anything but the documented shape. */
  static parse(json: unknown): AccessRules {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('CONFIG_INVALID', 'access rules must be an object of service -> rules');
    const rules = new Map<string, AccessRule[]>();
    for (const [service, list] of Object.entries(json)) {
      if (!SERVICE_PATTERN.test(service)) throw new ConfigError('CONFIG_INVALID', `access rules: bad service name '${service.slice(0, 40)}'`);
      if (!Array.isArray(list)) throw new ConfigError('CONFIG_INVALID', `access rules for ${service} must be a list`);
      rules.set(service, list.map((raw) => parseRule(service, raw)));
    }
    return new AccessRules(rules);
  }

  /** The rules file, or open rules when there is none. */
  static load(path: string): AccessRules {
    if (!existsSync(path)) return new AccessRules();
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new ConfigError('CONFIG_INVALID', `${path}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    return AccessRules.parse(json);
  }

  allows(service: string, device: DeviceRecord): boolean {
    if (device.revokedAt !== undefined) return false;
    const list = this.rules.get(service);
    return list === undefined || list.some((rule) => matches(rule, device));
  }

  /** Services with rules (for the startup log line). */
  get restricted(): string[] {
    return [...this.rules.keys()];
  }
}
