/**
 * The device's console, as its logic sees it: one line per call. Callers pass text without key
 * material or payload bytes (protocol/errors.ts rules). platform/trace-log.ts writes it with
 * Moddable's `trace`.
 */
export type Log = (line: string) => void;
