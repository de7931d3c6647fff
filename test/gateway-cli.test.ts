/**
 * `burrow gateway run|status` as an operator runs them: a real process with a BLE device on
 * the simulated radio, its HTTP health, metrics and status, structured logs without payload
 * bytes, and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { encodeMessage } from '../protocol/routing/codec.ts';
import { routedMessage } from '../protocol/routing/message.ts';
import { route } from '../protocol/routing/route.ts';
import { UpstreamSink } from '../gateway/upstream-sink.ts';
import { FragmentDevice } from '../simulators/ble/fragment-device.ts';
import { RadioHub } from '../simulators/ble/hub.ts';

const BIN = new URL('../bin/burrow.js', import.meta.url).pathname;
const run = promisify(execFile);

describe('burrow gateway (CLI)', function () {
  this.timeout(30_000);
  let hub: RadioHub;
  let sink: UpstreamSink;
  let child: ChildProcess | undefined;
  const lines: string[] = [];

  before(async () => {
    hub = await RadioHub.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'burrow-cli-')), 'radio.sock') });
    sink = await UpstreamSink.start();
  });

  after(async () => {
    child?.kill('SIGKILL');
    await sink.close();
    await hub.close();
  });

  it('rejects a bad config with a clear message and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-cli-'));
    const file = join(dir, 'gw.yaml');
    writeFileSync(file, 'upstreams: [tcp:10.0.0.1:4000]\nble:\n  maxLinks: 100\n');
    const failed = await run(process.execPath, [BIN, 'gateway', 'run', '--config', file]).then(
      () => assert.fail('expected a failure'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /gw\.yaml:\n {2}ble\.maxLinks: must be an integer from 1 to 64, got 100/);
  });

  it('runs, serves health, metrics and status, logs without payload bytes, and stops on SIGTERM', async () => {
    const device = await FragmentDevice.start({ endpoint: hub.endpoint, localName: 'burrow-cli' });
    child = spawn(process.execPath, [BIN, 'gateway', 'run', '--upstream', sink.address, '--ble-adapter', `sim:${hub.endpoint}`, '--http', '127.0.0.1:0', '--name', 'gw-test'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const reader = createInterface({ input: child.stdout! });
    const started = new Promise<number>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
      reader.on('line', (line) => {
        lines.push(line);
        const record = JSON.parse(line) as { msg: string; httpPort?: number };
        if (record.msg === 'gateway started') resolve(record.httpPort!);
      });
    });
    const port = await started;
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (!device.ready || (await fetch(`${base}/health`)).status !== 200) {
      assert.ok(Date.now() < deadline, 'gateway did not become healthy with its device');
      await new Promise((r) => setTimeout(r, 50));
    }
    const secret = new Uint8Array(48).fill(0xab);
    device.send(encodeMessage(routedMessage(route('ble:gw', sink.address, 'api'), route('app'), secret)));
    device.send(new Uint8Array([0xc0, 0x00, 0x02, 0xab, 0xab])); // one whole, malformed message
    await sink.waitFor(1);
    let metrics = '';
    while (!/burrow_gateway_drops_total\{device="ble:[0-9a-f]+",reason="malformed"\} 1/.test(metrics)) {
      assert.ok(Date.now() < deadline, `metrics never showed the drop:\n${metrics}`);
      await new Promise((r) => setTimeout(r, 300));
      metrics = await (await fetch(`${base}/metrics`)).text();
    }
    assert.match(metrics, /burrow_gateway_links_up\{kind="ble"\} 1/);
    assert.match(metrics, new RegExp(`burrow_gateway_device_frames_total\\{device="ble:${device.id}",direction="up"\\} 2`));
    assert.match(metrics, new RegExp(`burrow_gateway_upstream_up\\{upstream="${sink.address}"\\} 1`));
    assert.match(metrics, /burrow_gateway_queue_depth\{upstream="tcp:127\.0\.0\.1:\d+"\} 0/);
    const { stdout } = await run(process.execPath, [BIN, 'gateway', 'status', '--http', `127.0.0.1:${port}`]);
    assert.match(stdout, /^gateway gw-test {2}up \d+s {2}ble adapter poweredOn, 1\/7 links/);
    assert.match(stdout, new RegExp(`${sink.address.replace(/\./g, '\\.')}\\s+up\\s+0\\s+0\\s+1\\s`));
    assert.match(stdout, new RegExp(`ble:${device.id}\\s+ble\\s+up\\s+2\\s+0\\s+0\\s+1\\s+malformed=1`));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number];
    child = undefined;
    assert.equal(code, 0);
    const log = lines.join('\n');
    assert.match(log, /"msg":"gateway stopped"/);
    assert.match(log, new RegExp(`"device":"ble:${device.id}".*"msg":"link up"`));
    assert.doesNotMatch(log, /abab|q6ur|171,171/i, 'no payload bytes in logs');
    device.close();
  });
});
