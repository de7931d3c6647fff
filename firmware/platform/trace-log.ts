/**
 * Console lines through Moddable's `trace` (the serial console, or xsbug when attached),
 * prefixed so a gateway operator can grep a shared console.
 */
import type { Log } from '../log.ts';

export const traceLog: Log = (line) => trace(`burrow: ${line}\n`);
