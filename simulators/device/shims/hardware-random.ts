/**
 * Shim of our native `hardware-random` module (firmware/native/): bytes from the host's CSPRNG
 * through a host call, standing in for the ESP32's hardware RNG.
 */
import { hostRandom } from '../../xs/random.ts';

const random = hostRandom();

const HardwareRandom = {
  bytes(length: number): ArrayBuffer {
    if (!Number.isInteger(length) || length < 1 || length > 4096) throw new RangeError('hardware-random: 1 to 4096 bytes');
    return random(length).buffer as ArrayBuffer;
  },
};

export default HardwareRandom;
