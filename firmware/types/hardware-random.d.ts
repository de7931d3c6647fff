/**
 * Our native module (firmware/native/hardware-random.{js,c}): bytes from the ESP32's hardware
 * RNG. Declared here because it is ours, not the SDK's; the simulators replace it with a shim
 * that draws from the host's CSPRNG.
 */
declare module 'hardware-random' {
  const HardwareRandom: {
    /** `length` (1..4096) bytes from esp_fill_random, with the entropy source enabled. */
    bytes(length: number): ArrayBuffer;
  };
  export default HardwareRandom;
}
