/**
 * Where a simulated device's bundle runs: the real XS engine (one xsnap-worker process per
 * device, with XS's meter per command) or a Node vm context (many devices in one process, no
 * meter). Both run the same script with the same globals (issueCommand, print, gc, and the meter
 * functions) and the same host services, so the firmware cannot tell them apart; only fidelity
 * and cost differ: XS is the device's engine, Node is for fleets of thousands.
 */
import { createContext, Script, type Context } from 'node:vm';
import { requestJson, XsCommandError } from '../xs/json-client.ts';
import type { CommandReply, JsonRequest } from '../xs/xs-commands.ts';
import { XsnapProcess, type XsMeter } from '../xs/xsnap-process.ts';
import { bundleSimulatedFirmware } from './bundle.ts';
import type { SyncHostServices } from './host-services.ts';

export type EngineKind = 'xs' | 'node';

export interface DeviceEngine {
  readonly kind: EngineKind;
  readonly bundleBytes: number;
  /** XS's meter for evaluating the bundle (undefined on Node). */
  readonly loadMeter: XsMeter | undefined;
  /** Sends one command; `meter` is XS's for that crank (undefined on Node). */
  request<T>(request: JsonRequest): Promise<{ value: T; meter: XsMeter | undefined }>;
  close(): Promise<void>;
}

export interface EngineOptions {
  readonly name: string;
  readonly services: SyncHostServices;
  /** Each line the device prints (Moddable trace). */
  readonly onLine: (line: string) => void;
  /** XS only: abort a crank beyond this many meter units (a runaway loop). */
  readonly meteringLimit?: number;
}

export async function startEngine(kind: EngineKind, options: EngineOptions): Promise<DeviceEngine> {
  return kind === 'xs' ? startXs(options) : startNode(options);
}

/** Splits printed text into lines, keeping a partial last line for the next chunk. */
function lineSplitter(onLine: (line: string) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  };
}

async function startXs(o: EngineOptions): Promise<DeviceEngine> {
  const bundle = await bundleSimulatedFirmware();
  const xs = await XsnapProcess.start({
    name: o.name,
    onStdout: lineSplitter(o.onLine),
    ...(o.meteringLimit !== undefined ? { meteringLimit: o.meteringLimit } : {}),
  });
  let loadMeter: XsMeter;
  try {
    xs.onIssueCommand(o.services.handle);
    loadMeter = (await xs.evaluate(bundle.code)).meter;
  } catch (e) {
    await xs.close();
    throw e;
  }
  return {
    kind: 'xs',
    bundleBytes: bundle.bytes,
    loadMeter,
    request: (request) => requestJson(xs, request),
    close: () => xs.close(),
  };
}

/** Compiled once per process: every Node device runs the same script in its own context. */
let nodeScript: Promise<{ script: Script; bytes: number }> | undefined;

async function startNode(o: EngineOptions): Promise<DeviceEngine> {
  nodeScript ??= bundleSimulatedFirmware().then((b) => ({ script: new Script(b.code, { filename: 'burrow-firmware.js' }), bytes: b.bytes }));
  const { script, bytes } = await nodeScript;
  const print = lineSplitter(o.onLine);
  const globals = {
    print: (...values: unknown[]) => print(`${values.map(String).join(' ')}\n`),
    issueCommand: (request: ArrayBuffer) => {
      const reply = o.services.handle(new Uint8Array(request));
      return reply.buffer.slice(reply.byteOffset, reply.byteOffset + reply.byteLength);
    },
    gc: () => {},
    resetMeter: () => 0,
    currentMeterLimit: () => 0,
    TextEncoder,
    TextDecoder,
  };
  const context: Context = createContext(globals);
  script.runInContext(context);
  const handle = (context as { handleCommand?: (request: ArrayBuffer) => ArrayBuffer }).handleCommand;
  if (typeof handle !== 'function') throw new Error(`${o.name}: the firmware bundle installed no handleCommand`);
  let closed = false;
  return {
    kind: 'node',
    bundleBytes: bytes,
    loadMeter: undefined,
    async request<T>(request: JsonRequest) {
      if (closed) throw new Error(`${o.name} is closed`);
      const body = new TextEncoder().encode(JSON.stringify(request));
      const reply = JSON.parse(new TextDecoder().decode(new Uint8Array(handle(body.buffer)))) as CommandReply;
      if (!reply.ok) throw new XsCommandError(request.op, reply.error);
      return { value: reply.value as T, meter: undefined };
    },
    async close() {
      closed = true;
    },
  };
}
