/**
 * Bundled into XS by measure-firmware.ts: only the firmware's noble module (firmware/noble.ts),
 * kept reachable, so the live slots it leaves after loading are what it costs a device that
 * loads it into RAM (the Moddable build does not preload it, see firmware/noble.ts).
 */
import * as noble from '../../firmware/noble.ts';
import { serveCommands } from '../xs/xs-commands.ts';
import { xsHost } from '../xs/xs-globals.ts';

(globalThis as { burrowNoble?: unknown }).burrowNoble = noble;

serveCommands({
  gc() {
    xsHost().gc();
    return null;
  },
});
