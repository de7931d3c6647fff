/**
 * Shim of Moddable's `btutils`: `uuid` and `address` tagged templates. A Bytes value keeps the
 * canonical text, which is all the simulator's radio needs (it names services by UUID string).
 */
import { fromHex } from '../../../protocol/bytes.ts';

export class Bytes extends ArrayBuffer {
  private readonly text: string;

  constructor(text: string) {
    const hex = text.replace(/[-:]/g, '');
    const bytes = fromHex(hex);
    super(bytes.length);
    new Uint8Array(this).set(bytes);
    this.text = text.toUpperCase();
  }

  equals(other: Bytes): boolean {
    return other instanceof Bytes && other.text === this.text;
  }

  override toString(): string {
    return this.text;
  }
}

const joined = (strings: TemplateStringsArray): string => strings.raw.join('');

export function uuid(strings: TemplateStringsArray): Bytes {
  return new Bytes(joined(strings));
}

export function address(strings: TemplateStringsArray): Bytes {
  return new Bytes(joined(strings));
}
