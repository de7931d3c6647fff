/**
 * The logging surface the Node services share: pino's call shape (`log.warn({ peer }, 'msg')`),
 * so a pino logger is passed as is, and tests pass a recorder. Fields are structured and never
 * hold payload bytes or key material: callers log sizes, addresses and error codes.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ignore = () => {};
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

export interface LogRecord {
  readonly level: keyof Logger;
  readonly fields: object;
  readonly message: string;
}

/** Keeps every record, for tests that check what was logged (and that nothing secret was). */
export function recordingLogger(records: LogRecord[] = []): Logger & { records: LogRecord[] } {
  const at = (level: keyof Logger) => (fields: object, message: string) => { records.push({ level, fields, message }); };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
