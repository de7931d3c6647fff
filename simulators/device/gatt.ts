/**
 * The device's GATT service as the firmware declares it (firmware/bleservices/*.json, Moddable's
 * format), read for the simulators: the characteristic names the shim hands the firmware, and
 * the UUIDs and properties the simulated radio advertises.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../protocol/errors.ts';
import type { CharacteristicProperty, ServiceSpec } from '../ble/radio-wire.ts';
import { normalizeUuid } from '../ble/radio-wire.ts';
import type { GattCharacteristicSpec } from './device-calls.ts';

export interface GattService {
  readonly uuid: string;
  readonly characteristics: readonly GattCharacteristicSpec[];
}

/** Moddable's property words -> the radio's. */
const PROPERTY: Readonly<Record<string, CharacteristicProperty>> = {
  read: 'read',
  write: 'write',
  writeNoResponse: 'writeWithoutResponse',
  notify: 'notify',
  indicate: 'indicate',
};

export function loadGattService(file: string): GattService {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { service?: { uuid?: unknown; characteristics?: Record<string, { uuid?: unknown; properties?: unknown }> } };
  const service = parsed.service;
  if (typeof service?.uuid !== 'string' || typeof service.characteristics !== 'object') throw new ConfigError('CONFIG_INVALID', `${file}: not a Moddable GATT service`);
  const characteristics = Object.entries(service.characteristics).map(([name, c]) => {
    if (typeof c.uuid !== 'string' || typeof c.properties !== 'string') throw new ConfigError('CONFIG_INVALID', `${file}: characteristic '${name}' needs a uuid and properties`);
    return { name, uuid: c.uuid, properties: c.properties };
  });
  return { uuid: service.uuid, characteristics };
}

/** The service as the simulated radio's GATT table. */
export function radioService(service: GattService): ServiceSpec {
  return {
    uuid: normalizeUuid(service.uuid),
    characteristics: service.characteristics.map((c) => ({
      uuid: normalizeUuid(c.uuid),
      properties: c.properties.split(',').map((p) => {
        const mapped = PROPERTY[p.trim()];
        if (mapped === undefined) throw new ConfigError('CONFIG_INVALID', `unknown GATT property '${p.trim()}'`);
        return mapped;
      }),
    })),
  };
}
