/**
 * The simulated BLE radio's own wire: how the hub (hub.ts), simulated peripherals
 * (peripheral.ts, any process) and centrals (noble-binding.ts, inside a gateway) talk over a
 * unix socket or a local TCP port.
 *
 * One message per frame: a u32 length prefix (protocol/framing/length-prefix.ts) around UTF-8
 * JSON, attribute values as base64. JSON over a binary layout because the radio is a test
 * instrument: a capture reads as text, and a new message kind costs one type line here. The
 * cost (a few microseconds per message) is far below a real radio's connection interval.
 *
 * The hub is the air and the controllers: it holds the GATT tables, answers discovery itself
 * (as a real host stack does from its attribute cache) and forwards only what the peripheral's
 * application must see (writes, reads, subscriptions).
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { encodeFrame, LengthPrefixDecoder } from '../../protocol/framing/length-prefix.ts';
import { ConfigError, DecodeError } from '../../protocol/errors.ts';

// Protocol constants (Bluetooth Core, ATT).
/** ATT_MTU every connection starts with. */
export const DEFAULT_ATT_MTU = 23;
/** ATT notification/write header (opcode + handle). */
export const ATT_HEADER = 3;
/** An attribute value is at most 512 bytes. */
export const MAX_ATTRIBUTE_VALUE = 512;
/** HCI disconnect reasons the simulator reports (Core Vol 1 Part F). */
export const HCI_REASON = {
  connectionTimeout: 0x08,
  remoteUserTerminated: 0x13,
  localHostTerminated: 0x16,
  connectionFailed: 0x3e,
} as const;

// Our limits.
/** Largest radio frame: a 512-byte value in base64 plus JSON around it, or a GATT table. */
export const MAX_RADIO_FRAME = 64 * 1024;

export type CharacteristicProperty = 'read' | 'write' | 'writeWithoutResponse' | 'notify' | 'indicate';

export interface CharacteristicSpec {
  readonly uuid: string;
  readonly properties: readonly CharacteristicProperty[];
}

export interface ServiceSpec {
  readonly uuid: string;
  readonly characteristics: readonly CharacteristicSpec[];
}

export interface AdvertisementSpec {
  readonly localName?: string;
  readonly serviceUuids: readonly string[];
}

/** Peripheral -> hub. */
export type PeripheralToHub =
  | { t: 'hello'; role: 'peripheral'; address?: string; maxMtu: number }
  | { t: 'advertise'; advertisement: AdvertisementSpec; services: ServiceSpec[] }
  | { t: 'stopAdvertising' }
  | { t: 'notify'; characteristic: string; data: string }
  | { t: 'writeDone'; id: number }
  | { t: 'readDone'; id: number; data: string }
  | { t: 'disconnect' };

/** Hub -> peripheral. */
export type HubToPeripheral =
  | { t: 'welcome'; address: string }
  | { t: 'connect'; central: string; mtu: number }
  | { t: 'disconnect'; reason: number }
  | { t: 'subscribe'; characteristic: string; enabled: boolean }
  | { t: 'write'; id: number; characteristic: string; data: string; withoutResponse: boolean }
  | { t: 'read'; id: number; characteristic: string }
  | { t: 'refused'; reason: string };

/** Central (noble binding) -> hub. Every request names the peripheral by its address. */
export type CentralToHub =
  | { t: 'hello'; role: 'central'; address?: string }
  | { t: 'scan'; serviceUuids: string[]; allowDuplicates: boolean }
  | { t: 'stopScan' }
  | { t: 'connect'; peripheral: string; mtu: number }
  | { t: 'cancelConnect'; peripheral: string }
  | { t: 'disconnect'; peripheral: string }
  | { t: 'discoverServices'; peripheral: string; uuids: string[] }
  | { t: 'discoverCharacteristics'; peripheral: string; service: string; uuids: string[] }
  | { t: 'write'; peripheral: string; service: string; characteristic: string; data: string; withoutResponse: boolean }
  | { t: 'read'; peripheral: string; service: string; characteristic: string }
  | { t: 'subscribe'; peripheral: string; service: string; characteristic: string; enabled: boolean };

/** Hub -> central. */
export type HubToCentral =
  | { t: 'welcome'; address: string; state: AdapterState }
  | { t: 'state'; state: AdapterState }
  | { t: 'discover'; peripheral: string; advertisement: AdvertisementSpec; rssi: number }
  | { t: 'connected'; peripheral: string; error?: string }
  | { t: 'mtu'; peripheral: string; mtu: number }
  | { t: 'disconnected'; peripheral: string; reason: number }
  | { t: 'services'; peripheral: string; uuids: string[] }
  | { t: 'characteristics'; peripheral: string; service: string; characteristics: CharacteristicSpec[] }
  | { t: 'written'; peripheral: string; service: string; characteristic: string }
  | { t: 'value'; peripheral: string; service: string; characteristic: string; data: string; notification: boolean }
  | { t: 'subscribed'; peripheral: string; service: string; characteristic: string; enabled: boolean }
  | { t: 'refused'; reason: string };

export type AdapterState = 'poweredOn' | 'poweredOff';

/** noble's UUID form: lower case hex without dashes ("6e400001b5a3f393e0a9e50e24dcca9e"). */
export function normalizeUuid(uuid: string): string {
  const out = uuid.replace(/-/g, '').toLowerCase();
  if (!/^([0-9a-f]{4}|[0-9a-f]{32})$/.test(out)) throw new ConfigError('CONFIG_INVALID', `'${uuid.slice(0, 40)}' is not a 16-bit or 128-bit UUID`);
  return out;
}

/** 'aa:bb:cc:dd:ee:ff' -> noble's peripheral id 'aabbccddeeff'. */
export function peripheralIdOf(address: string): string {
  return address.split(':').join('').toLowerCase();
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

/**
 * One framed JSON connection. `onMessage` gets each decoded object; a frame that is not JSON
 * (or over the limit) closes the connection: the radio's peers are our own code, so a bad
 * frame is a bug to surface, not noise to skip.
 */
export class RadioConnection<In, Out> {
  private readonly decoder = new LengthPrefixDecoder({ maxFrameSize: MAX_RADIO_FRAME });
  private closed = false;

  constructor(
    readonly socket: Socket,
    onMessage: (message: In) => void,
    onClose: (error?: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      let frames: Uint8Array[];
      try {
        frames = this.decoder.push(chunk);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      for (const frame of frames) {
        let message: In;
        try {
          message = JSON.parse(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8')) as In;
        } catch {
          this.fail(new DecodeError('DECODE_BAD_VALUE', 'radio frame is not JSON'));
          return;
        }
        onMessage(message);
        if (this.closed) return;
      }
    });
    socket.on('error', () => undefined); // 'close' follows and reports the loss
    socket.on('close', () => {
      this.closed = true;
      onClose();
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(message: Out): void {
    if (this.closed) return;
    this.socket.write(encodeFrame(Buffer.from(JSON.stringify(message), 'utf8'), MAX_RADIO_FRAME));
  }

  close(): void {
    this.closed = true;
    this.socket.end();
  }

  private fail(error: Error): void {
    this.closed = true;
    this.socket.destroy(error);
  }
}
