/**
 * The gateway's structured log: pino, JSON lines to stdout (journald keeps them), with the
 * gateway's name on every line. Callers add `device` (its link address) or `upstream` to each
 * record, never payload bytes: a line says which device, what happened and why (an error
 * code), which is all an operator needs and nothing an eavesdropper on the journal could use.
 */
import { pino } from 'pino';
import type { Logger } from '../transport-node/log.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function gatewayLogger(name: string, level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'burrow-gateway', gateway: name } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
