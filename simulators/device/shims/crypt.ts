/**
 * Shim of Moddable's `crypt` Digest: the hash is computed by the host (node:crypto), standing in
 * for the SDK's C implementation. Native work is not metered by XS on the device either, so the
 * meter figures of a simulated device with native digests match what its XS would count.
 */
import { DeviceOp, DIGEST_SHA256 } from '../device-calls.ts';
import { deviceCall } from './runtime.ts';

export class Digest {
  private parts: Uint8Array[] = [];

  constructor(algorithm: 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512') {
    if (algorithm !== 'SHA256') throw new Error(`the simulator's crypt shim offers SHA256 only, not ${algorithm}`);
  }

  write(data: ArrayBuffer | ArrayBufferView | string): void {
    if (typeof data === 'string') throw new Error('the simulator\'s crypt shim hashes bytes only');
    this.parts.push(data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }

  close(): ArrayBuffer {
    let length = 1;
    for (const p of this.parts) length += p.length;
    const body = new Uint8Array(length);
    body[0] = DIGEST_SHA256;
    let offset = 1;
    for (const p of this.parts) {
      body.set(p, offset);
      offset += p.length;
    }
    this.parts = [];
    return deviceCall(DeviceOp.DIGEST, body).slice().buffer;
  }

  reset(): void {
    this.parts = [];
  }
}
