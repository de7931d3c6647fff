/**
 * The firmware's main module as the simulator entry sees it. esbuild links the real one
 * (firmware/main.ts) under this name (bundle.ts); the Node project never type-checks the
 * firmware itself, which imports Moddable modules only the firmware project knows
 * (firmware/tsconfig.json).
 */
declare module 'burrow-firmware' {
  interface SimulatedDevice {
    status(): Record<string, unknown>;
  }
  const main: () => SimulatedDevice;
  export default main;
}

/** firmware/native/digest-provider.ts, linked by esbuild under this name (bundle.ts). */
declare module 'burrow-native-crypto' {
  export function nativeCryptoParts(): unknown;
}
