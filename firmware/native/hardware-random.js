/*
 * The JavaScript face of hardware-random.c: bytes from the ESP32's hardware RNG.
 * Moddable host-function syntax (`@ "name"`), so this file is plain JavaScript for xsc, not
 * TypeScript; its type lives in firmware/types/hardware-random.d.ts.
 */
const HardwareRandom = {
	bytes(length) @ "xs_burrow_random_bytes",
};
Object.freeze(HardwareRandom);
export default HardwareRandom;
