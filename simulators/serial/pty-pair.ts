/**
 * A pseudo-terminal pair from socat, standing in for a USB serial cable: bytes written to one
 * end come out of the other, through the kernel's tty layer the real serialport library
 * opens. `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`; the real /dev/pts paths
 * are parsed from socat's notices on stderr, and the stable links A and B let a test unplug
 * (close: the ends vanish, a port open on one sees a disconnect) and plug the same names in
 * again (open with the same links).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// Our limits.
/** socat prints both PTY lines within milliseconds; a slow CI machine gets generous time. */
const START_TIMEOUT_MS = 5_000;

export class PtyPair {
  private constructor(
    private readonly socat: ChildProcess,
    /** Stable names (symlinks) of the two ends. */
    readonly a: string,
    readonly b: string,
    /** The kernel's names, from socat's stderr. */
    readonly ptys: readonly [string, string],
  ) {}

  /** Opens a pair; pass the links of a closed pair to plug it in again under the same names. */
  static async open(links?: { a: string; b: string }): Promise<PtyPair> {
    const dir = links === undefined ? mkdtempSync(join(tmpdir(), 'burrow-pty-')) : '';
    const a = links?.a ?? join(dir, 'gateway');
    const b = links?.b ?? join(dir, 'device');
    const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ptys: string[] = [];
    const lines = createInterface({ input: socat.stderr! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socat did not start its pty pair in time')), START_TIMEOUT_MS);
      socat.once('error', (e) => reject(new Error(`cannot run socat: ${e.message}`)));
      socat.once('exit', (code) => reject(new Error(`socat exited (${code}) before its pty pair was ready`)));
      lines.on('line', (line) => {
        const pty = /PTY is (\S+)/.exec(line);
        if (pty !== null) ptys.push(pty[1]!);
        if (/starting data transfer loop/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    if (ptys.length !== 2) throw new Error(`socat reported ${ptys.length} ptys, expected 2`);
    return new PtyPair(socat, a, b, [ptys[0]!, ptys[1]!]);
  }

  /** Unplugs: socat exits, both ends and their links disappear. */
  async close(): Promise<void> {
    if (this.socat.exitCode !== null || this.socat.signalCode !== null) return;
    const exited = once(this.socat, 'exit');
    this.socat.kill('SIGTERM');
    await exited;
  }
}
