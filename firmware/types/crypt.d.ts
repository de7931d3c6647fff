/**
 * Moddable's `crypt` module (native digests: modules/crypt in the SDK), as far as the firmware
 * uses it. @moddable/typings 5.6.0 does not describe it; this follows the SDK's documentation
 * (documentation/crypt/crypt.md: Digest).
 */
declare module 'crypt' {
  export class Digest {
    constructor(algorithm: 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512');
    write(data: ArrayBuffer | ArrayBufferView | string): void;
    close(): ArrayBuffer;
    reset(): void;
  }
}
