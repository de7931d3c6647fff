/**
 * How fast a simulated ESP32 computes, in XS meter units per millisecond: what turns a crank's
 * meter count into time the device is busy (sim-device.ts).
 *
 * An estimate, not a measurement (no board here): XS on an x86 host runs an X25519 DH, about
 * 1.0 M meter units (bench: xs.x25519 figures), in ~7 ms, i.e. ~140 k units/ms; an ESP32 at
 * 240 MHz runs XS 30-60x slower than that host (issue 4, from the Moddable SDK's own figures).
 * The middle of that range, 45x, gives ~3 k units/ms, so a DH costs the device ~0.3 s and a
 * first-contact handshake a few seconds. bench/sections/firmware.ts reports every device
 * figure with this conversion next to it, and the range it spans.
 */
export const HOST_XS_UNITS_PER_MS = 140_000;
export const ESP32_SLOWDOWN = { low: 30, mid: 45, high: 60 } as const;
export const ESP32_METER_UNITS_PER_MS = Math.round(HOST_XS_UNITS_PER_MS / ESP32_SLOWDOWN.mid / 100) * 100;
