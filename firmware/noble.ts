/**
 * The noble libraries the firmware uses, as one module (`burrow-noble`) for the Moddable build:
 * simulators/device/bundle.ts points every `@noble/*` import of the firmware bundle here.
 *
 * A module of its own so the manifests can say what happens to it: noble keeps mutable
 * module-level state (window-size maps, hash scratch buffers), which XS aliases into RAM when
 * a preloaded module writes it; loaded without preload instead, it would cost the slot heap
 * about 5,600 slots (bench: firmware.noble_module.live_slots). See firmware/README.md.
 */
export { chacha20poly1305 } from '@noble/ciphers/chacha.js';
export { ed25519, x25519 } from '@noble/curves/ed25519.js';
export { sha256 } from '@noble/hashes/sha2.js';
export { hmac } from '@noble/hashes/hmac.js';
// Named by protocol/crypto/noble (aead.ts, hashes.ts) next to the ones above; an ES import of
// a missing name fails at link time, so they are exported although the device never calls them.
export { gcm } from '@noble/ciphers/aes.js';
export { sha512 } from '@noble/hashes/sha2.js';
export { blake2b, blake2s } from '@noble/hashes/blake2.js';
