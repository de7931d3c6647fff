/**
 * The parts of noble 1.9 the gateway uses, as structural types. noble's own typings describe
 * its module-level singleton, which requires an HCI adapter at import; a Noble made by
 * `with-bindings` (real or simulated binding) has the same shape.
 */
import type { EventEmitter } from 'node:events';

export interface NobleCentral extends EventEmitter {
  readonly state: string;
  startScanning(serviceUuids: string[], allowDuplicates: boolean, callback?: (error?: Error) => void): void;
  stopScanning(callback?: () => void): void;
}

export interface NoblePeripheral extends EventEmitter {
  readonly id: string;
  readonly address: string;
  readonly advertisement: { readonly localName?: string; readonly serviceUuids?: readonly string[] };
  readonly mtu: number | null;
  readonly state: string;
  connect(): void;
  cancelConnect(): void;
  disconnect(): void;
  discoverServices(uuids: string[]): void;
}

export interface NobleService extends EventEmitter {
  readonly uuid: string;
  discoverCharacteristics(uuids: string[]): void;
}

export interface NobleCharacteristic extends EventEmitter {
  readonly uuid: string;
  readonly properties: readonly string[];
  write(data: Buffer, withoutResponse: boolean): void;
  subscribe(): void;
}
