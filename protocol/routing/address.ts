/**
 * Addresses in Ockam's routing model: a (transport type, value) pair. A LOCAL address names a
 * worker inside a node; any other type names a hop over that transport ('tcp' host:port, a BLE
 * peripheral id, a serial port name), and only the transport of that type reads its value.
 *
 * The value is opaque bytes, not a string: hops only compare values, so the wire never needs
 * to validate UTF-8 and a future transport may carry binary ids. The text form (config, CLI,
 * logs) is `type:value` with the value percent-encoded outside printable ASCII, chosen over
 * Ockam's `1#value` with a hex fallback because it reads naturally ('tcp:10.0.0.5:4000'),
 * round-trips every byte string, and never puts a control character, a space or '=>' (the
 * route separator) into a log line, whatever a hostile peer put into an address.
 */
import { equalBytes, utf8Encode } from '../bytes.ts';
import { RoutingError } from '../errors.ts';

// Protocol constants: transport types (u8 on the wire).
/** 0-15 are Burrow's own; 16-255 are free for deployments' transports. */
export const TransportType = {
  /** A worker inside this node. */
  LOCAL: 0,
  TCP: 1,
  BLE: 2,
  UART: 3,
  /** Reserved for a relay/forwarder (a rendezvous that devices behind NAT register with). */
  RELAY: 4,
} as const;
export type TransportType = number;

/** Text-form names, indexed by transport type. */
const TYPE_NAMES: readonly string[] = ['local', 'tcp', 'ble', 'uart', 'relay'];

// Our limits.
/** Bytes in one address value: fits an IPv6 literal with port (47), a UUID (36), a BLE MAC
 *  (17) and any real deployment's host name, while keeping the worst-case routing header
 *  (2 routes x MAX_HOPS addresses) near 2 KiB on a device with ~166 KB of RAM. */
export const MAX_ADDRESS_VALUE = 128;
/** Longest text accepted by parseAddress: a type name and every byte written as %XX. */
const MAX_ADDRESS_TEXT = 16 + 3 * MAX_ADDRESS_VALUE;

export class Address {
  readonly type: TransportType;
  /** Treat as read-only: the constructor copies, so no caller shares it. */
  readonly value: Uint8Array;

  /** A string value is taken as UTF-8. Throws ROUTE_BAD_ADDRESS on a bad type or length. */
  constructor(type: TransportType, value: Uint8Array | string) {
    if (!Number.isInteger(type) || type < 0 || type > 255) {
      throw new RoutingError('ROUTE_BAD_ADDRESS', 'transport type must be an integer 0-255');
    }
    const bytes = typeof value === 'string' ? utf8Encode(value) : value.slice();
    if (bytes.length === 0 || bytes.length > MAX_ADDRESS_VALUE) {
      throw new RoutingError('ROUTE_BAD_ADDRESS', `address value must be 1-${MAX_ADDRESS_VALUE} bytes`);
    }
    this.type = type;
    this.value = bytes;
  }

  static local(name: string): Address {
    return new Address(TransportType.LOCAL, name);
  }

  get isLocal(): boolean {
    return this.type === TransportType.LOCAL;
  }

  equals(other: Address): boolean {
    return this.type === other.type && equalBytes(this.value, other.value);
  }

  toString(): string {
    return formatAddress(this);
  }

  toJSON(): string {
    return formatAddress(this);
  }
}

/** Printable ASCII stays as is, except '%' (the escape) and '>' (so '=>' never appears). */
function isPlain(byte: number): boolean {
  return byte > 0x20 && byte < 0x7f && byte !== 0x25 && byte !== 0x3e;
}

const HEX = '0123456789ABCDEF';

/** 'api' or 'local:a:b' for local workers, 'tcp:host:port', 'ble:<id>', '<n>:<value>'. */
export function formatAddress(address: Address): string {
  let value = '';
  for (let i = 0; i < address.value.length; i++) {
    const b = address.value[i]!;
    value += isPlain(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  // A bare local name must not look like a prefixed address.
  if (address.isLocal && value.indexOf(':') < 0) return value;
  return `${TYPE_NAMES[address.type] ?? String(address.type)}:${value}`;
}

function bad(text: string, why: string): RoutingError {
  // The text is the caller's own config or CLI input: echoing a bounded prefix helps them.
  return new RoutingError('ROUTE_BAD_ADDRESS', `address '${text.slice(0, 40)}': ${why}`);
}

function parseType(text: string, prefix: string): TransportType {
  const named = TYPE_NAMES.indexOf(prefix);
  if (named >= 0) return named;
  if (/^(0|[1-9][0-9]{0,2})$/.test(prefix) && Number(prefix) <= 255) return Number(prefix);
  throw bad(text, `unknown transport '${prefix.slice(0, 16)}' (local names containing ':' need 'local:')`);
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Inverse of formatAddress; also accepts raw non-ASCII (taken as UTF-8) and lower-case %xx. */
export function parseAddress(text: string): Address {
  if (text.length > MAX_ADDRESS_TEXT) throw bad(text, 'too long');
  const colon = text.indexOf(':');
  const type = colon < 0 ? TransportType.LOCAL : parseType(text, text.slice(0, colon));
  const valueText = text.slice(colon + 1);
  const bytes: number[] = [];
  for (let i = 0; i < valueText.length; i++) {
    const c = valueText.charCodeAt(i);
    if (c === 0x25) {
      const v = (hexDigit(valueText.charCodeAt(i + 1)) << 4) | hexDigit(valueText.charCodeAt(i + 2));
      if (v < 0) throw bad(text, "'%' must be followed by two hex digits");
      bytes.push(v);
      i += 2;
    } else if (c <= 0x20 || c === 0x7f) {
      throw bad(text, 'contains a space or control character');
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const next = valueText.charCodeAt(i + 1);
      const units = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
      for (const b of utf8Encode(valueText.slice(i, i + units))) bytes.push(b);
      i += units - 1;
    }
  }
  if (bytes.length === 0) throw bad(text, 'empty value');
  if (bytes.length > MAX_ADDRESS_VALUE) throw bad(text, `value over ${MAX_ADDRESS_VALUE} bytes`);
  return new Address(type, Uint8Array.from(bytes));
}
