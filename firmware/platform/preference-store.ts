/**
 * KeyValueStore (../storage.ts) on Moddable's `preference`: ESP32 NVS, one domain. Values are
 * ArrayBuffers; NVS is unencrypted unless the build enables NVS encryption (README).
 */
import Preference from 'preference';
import { checkPreferenceName, checkPreferenceValue, type KeyValueStore } from '../storage.ts';

export function preferenceStore(domain: string): KeyValueStore {
  checkPreferenceName(domain);
  return {
    getBytes(key) {
      checkPreferenceName(key);
      const v = Preference.get(domain, key);
      return v instanceof ArrayBuffer ? new Uint8Array(v) : undefined;
    },
    setBytes(key, value) {
      checkPreferenceName(key);
      checkPreferenceValue(key, value);
      // A copy of exactly these bytes: `value` may be a view into a larger buffer.
      Preference.set(domain, key, value.slice().buffer);
    },
    delete(key) {
      checkPreferenceName(key);
      Preference.delete(domain, key);
    },
  };
}
