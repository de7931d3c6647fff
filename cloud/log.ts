/**
 * Logging for the cloud: the shared Node logging surface (transport-node/log.ts, pino's call
 * shape) and the pino logger `burrow cloud` writes JSON lines with. Never log secrets:
 * tickets, private keys and payload bytes stay out of every field.
 */
import { pino } from 'pino';
import type { Logger } from '../transport-node/log.ts';

export type { Logger } from '../transport-node/log.ts';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** JSON lines on stdout. */
export function jsonLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: { service: 'burrow-cloud' } });
}

/** The loggable part of a caught error: its stable code (BurrowError, SQLite, errno) and message. */
export function errorFields(error: unknown): { code?: string; error: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { code, error: error.message } : { error: error.message };
  }
  return { error: String(error) };
}
