/**
 * The device's RandomSource: the ESP32 hardware RNG through our native module (see
 * native/hardware-random.c for when it is truly random). XS has no crypto.getRandomValues, and
 * Math.random is not a CSPRNG, so nothing else may feed keys.
 */
import HardwareRandom from 'hardware-random';
import type { RandomSource } from '../../protocol/crypto/provider.ts';

/** The native module's per-call bound; longer requests are split. */
const MAX_REQUEST = 4096;

export function hardwareRandom(): RandomSource {
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += MAX_REQUEST) {
      const n = Math.min(MAX_REQUEST, length - offset);
      out.set(new Uint8Array(HardwareRandom.bytes(n)), offset);
    }
    return out;
  };
}
