/** The measurement baseline for noble-entry.ts: the same command plumbing and nothing else. */
import { serveCommands } from '../xs/xs-commands.ts';
import { xsHost } from '../xs/xs-globals.ts';

serveCommands({
  gc() {
    xsHost().gc();
    return null;
  },
});
