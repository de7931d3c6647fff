/**
 * What the device needs from a link (UART, BLE): a Transport the router sends through, and a
 * service() the device's loop calls to write what is due and learn the link's next deadline.
 * Complete messages a link receives go to `Inbound` (device.ts), which decodes, checks and
 * routes them; a link never routes on its own.
 */
import type { Transport } from '../../protocol/routing/router.ts';
import type { LinkKind } from '../config.ts';

export interface DeviceLink extends Transport {
  readonly kind: LinkKind;
  /** Writes what is due at `now`; returns when to call again without new input, if ever. */
  service(now: number): number | undefined;
  /** For status reports: whether a peer is there to talk to. */
  readonly connected: boolean;
  counters(): Readonly<Record<string, number>>;
}

/** Takes one encoded routed message a link received. */
export type Inbound = (encoded: Uint8Array) => void;

/** Asks the device loop to run soon (after a callback from the platform). */
export type Wake = () => void;
