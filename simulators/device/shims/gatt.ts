/** Shim of Moddable's `gatt` types, as far as a peripheral sees them (bleserver.ts). */
export type { SimCharacteristic as Characteristic, SimClient as Client } from './bleserver.ts';
