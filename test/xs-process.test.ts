/** The xsnap-worker host: evaluation, meters, the synchronous issueCommand bridge, faults. */
import { strict as assert } from 'node:assert';
import { BurrowError } from '../protocol/errors.ts';
import { xsHost } from '../simulators/xs/xs-globals.ts';
import { XsnapProcess, xsnapWorkerPath, type XsResult } from '../simulators/xs/xsnap-process.ts';

const text = (r: XsResult): string => new TextDecoder().decode(r.result);
/** A script whose completion value is the UTF-8 of `expression`, as an ArrayBuffer. */
const returning = (expression: string): string => `new TextEncoder().encode(String(${expression})).buffer`;

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<BurrowError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof BurrowError, `untyped error: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

describe('xsnap-worker process', function () {
  this.timeout(20_000);
  const started: XsnapProcess[] = [];
  const start = async (options: Parameters<typeof XsnapProcess.start>[0] = {}): Promise<XsnapProcess> => {
    const xs = await XsnapProcess.start({ name: 'test', ...options });
    started.push(xs);
    return xs;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((xs) => xs.close()));
  });

  it('finds the binary inside @agoric/xsnap', () => {
    assert.match(xsnapWorkerPath(), /@agoric\/xsnap\/xsnap-native\/xsnap\/build\/bin\/lin\/release\/xsnap-worker$/);
  });

  it('evaluates scripts in one global scope and returns ArrayBuffer results with a meter', async () => {
    const xs = await start();
    await xs.evaluate('var counter = 40;');
    const r = await xs.evaluate(returning('counter + 2'));
    assert.equal(text(r), '42');
    assert.ok(r.meter.compute > 0 && r.meter.heapSlots > 0 && r.meter.allocate > 0);
    assert.equal((await xs.evaluate('1 + 1')).result.length, 0, 'a non-buffer result is empty');
  });

  it('meters deterministically: the same script costs the same units in two processes', async () => {
    const script = 'let s = 0; for (let i = 0; i < 5000; i++) s += i * i; s';
    const [a, b] = await Promise.all([start(), start()]);
    const [ra, rb] = await Promise.all([a.evaluate(script), b.evaluate(script)]);
    assert.equal(ra.meter.compute, rb.meter.compute);
    assert.ok(ra.meter.compute > 5000);
  });

  it('calls handleCommand with the bytes and returns its ArrayBuffer (or its .result)', async () => {
    const xs = await start();
    await xs.evaluate('globalThis.handleCommand = (b) => { const u = new Uint8Array(b); return { result: u.map((x) => x + 1).buffer }; };');
    const r = await xs.command(Uint8Array.of(1, 2, 3));
    assert.deepEqual([...r.result], [2, 3, 4]);
  });

  it('reports an uncaught exception as XS_ENGINE_EXCEPTION and keeps the process usable', async () => {
    const xs = await start();
    const e = await rejectsWith(xs.evaluate('throw new RangeError("nope")'), 'XS_ENGINE_EXCEPTION');
    assert.match(e.message, /RangeError: nope/);
    assert.equal(text(await xs.evaluate(returning('"still here"'))), 'still here');
  });

  it('answers XS’s synchronous issueCommand, even from an async handler, in order', async () => {
    const xs = await start();
    const seen: number[] = [];
    xs.onIssueCommand(async (request) => {
      seen.push(request[0]!);
      await new Promise((r) => setTimeout(r, 5));
      return Uint8Array.of(request[0]! * 2);
    });
    const r = await xs.evaluate(returning('[1, 2, 3].map((n) => new Uint8Array(issueCommand(Uint8Array.of(n).buffer))[0]).join()'));
    assert.equal(text(r), '2,4,6');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('kills the process when XS calls the host and no handler (or a failing one) answers', async () => {
    const xs = await start();
    await rejectsWith(xs.evaluate('issueCommand(new ArrayBuffer(1))'), 'XS_HOST_CALL_FAILED');
    await rejectsWith(xs.evaluate('1'), 'XS_HOST_CALL_FAILED');
    const ys = await start();
    ys.onIssueCommand(() => {
      throw new Error('host broke');
    });
    const e = await rejectsWith(ys.evaluate('issueCommand(new ArrayBuffer(1))'), 'XS_HOST_CALL_FAILED');
    assert.match(e.message, /host broke/);
  });

  it('captures print and the console shim from the prelude', async () => {
    const pieces: string[] = [];
    const xs = await start({ onStdout: (t) => pieces.push(t) });
    await xs.evaluate('print("raw", 1); console.log("log", { a: 1 }); console.error("bad")');
    await eventually(() => xs.stdout().includes('error: bad'), 'stdout arrived');
    assert.equal(xs.takeStdout(), 'raw 1\nlog {"a":1}\nerror: bad\n');
    assert.equal(xs.stdout(), '');
    assert.ok(pieces.join('').startsWith('raw 1'));
  });

  it('leaves out what the device lacks: no setTimeout, no crypto.getRandomValues', async () => {
    const xs = await start();
    assert.equal(text(await xs.evaluate(returning('typeof setTimeout + " " + typeof globalThis.crypto'))), 'undefined undefined');
  });

  it('queues calls and answers each in order', async () => {
    const xs = await start();
    const results = await Promise.all([1, 2, 3].map((n) => xs.evaluate(returning(`${n} * 10`))));
    assert.deepEqual(results.map(text), ['10', '20', '30']);
  });

  it('times a call out, kills the process, and fails every later call the same way', async () => {
    const xs = await start();
    const pending = xs.evaluate('1');
    await rejectsWith(xs.evaluate('for (;;) {}', { timeoutMs: 300 }), 'XS_ENGINE_TIMEOUT');
    await pending;
    await rejectsWith(xs.evaluate('1'), 'XS_ENGINE_TIMEOUT');
  });

  it('reports a crank over the metering limit as XS_ENGINE_METER_LIMIT', async () => {
    const xs = await start({ meteringLimit: 1_000_000 });
    await xs.evaluate('1');
    const e = await rejectsWith(xs.evaluate('for (;;) {}'), 'XS_ENGINE_METER_LIMIT');
    assert.match(e.message, /metering limit/);
  });

  it('reports a process that dies under a pending call', async () => {
    const xs = await start();
    const pending = xs.evaluate('for (;;) {}');
    await new Promise((r) => setTimeout(r, 50));
    process.kill(xs.pid!, 'SIGKILL');
    const e = await rejectsWith(pending, 'XS_ENGINE_EXITED');
    assert.match(e.message, /SIGKILL/);
  });

  it('closes cleanly: EOF ends xsnap, later calls fail, closing twice is harmless', async () => {
    const xs = await start();
    await xs.close();
    await xs.close();
    await rejectsWith(xs.evaluate('1'), 'XS_ENGINE_EXITED');
  });

  it('says so clearly when the binary is missing', async () => {
    await rejectsWith(XsnapProcess.start({ binary: '/nonexistent/xsnap-worker' }), 'XS_ENGINE_MISSING');
  });

  it('refuses a script larger than xsnap’s parser buffer without sending it', async () => {
    const xs = await start();
    await rejectsWith(xs.evaluate(' '.repeat(8192 * 1024 + 1)), 'XS_ENGINE_PROTOCOL');
    assert.equal(text(await xs.evaluate(returning('"fine"'))), 'fine');
  });

  it('XS-side helpers refuse to run outside xsnap', () => {
    assert.throws(() => xsHost(), (e: unknown) => e instanceof BurrowError && e.code === 'CONFIG_INVALID');
  });
});
