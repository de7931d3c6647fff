/**
 * `npm start` as a newcomer meets it: `burrow demo` in a child process, for a fixed time, with
 * the default fleet (two BLE devices under real noble, one on a real pty, firmware on XS), and
 * through a relay. It must end with every device's readings stored once and every downlink
 * command answered, and nothing the gateway logged may hold a reading.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/burrow.js', import.meta.url));

function demo(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('burrow demo (npm start)', function () {
  this.timeout(90_000);

  it('runs the default fleet end to end: readings stored once, commands answered, gateway blind', async () => {
    const data = mkdtempSync(join(tmpdir(), 'burrow-demo-test-'));
    const { code, out } = await demo('--duration', '14', '--cpu', 'host', '--data', data);
    assert.equal(code, 0, out);
    const summary = out.slice(out.lastIndexOf('Burrow demo: summary'));
    const devices = summary.split('\n').filter((l) => /readings stored/.test(l));
    assert.equal(devices.length, 3, summary);
    assert.equal(devices.filter((l) => /^\s+xs-ble-/.test(l)).length, 2, 'two XS devices on BLE');
    assert.equal(devices.filter((l) => /^\s+xs-serial-/.test(l)).length, 1, 'one XS device on a pty');
    for (const line of devices) assert.match(line, /channel established\s+[1-9]\d* readings stored, each once/);
    assert.match(summary, /downlink commands: 6 answered, 0 pending, 0 failed/);
    assert.match(out, /what the gateway saw \(ciphertext sizes only/);
    // The cloud's and gateway's log: sizes and addresses, never a reading's values.
    const log = readFileSync(join(data, 'demo.log'), 'utf8');
    assert.ok(log.length > 0);
    assert.doesNotMatch(log, /temperature_c|humidity_pct/);
  });

  it('runs through a relay, with the cloud opening no port', async () => {
    const { code, out } = await demo('--duration', '10', '--cpu', 'host', '--engine', 'node', '--ble', '1', '--relay');
    assert.equal(code, 0, out);
    assert.match(out, /relay -> TCP \(outgoing\) -> cloud/);
    assert.match(out, /on tcp:127\.0\.0\.1:\d+ => fwd\.cloud => api/);
    assert.match(out, /every device handshook end to end/);
  });

  it('refuses bad flags with a usage error', async () => {
    const { code, out } = await demo('--engine', 'v8');
    assert.equal(code, 2);
    assert.match(out, /--engine must be xs or node/);
  });
});
