/**
 * A simulated device's UART on a real pseudo-terminal (socat), in real time, as
 * `burrow device-sim --link serial:<path>` runs it: the far end opens the pty like a board's
 * USB serial port and speaks the UART link (the gateway's state machine) to the firmware.
 */
import { strict as assert } from 'node:assert';
import { closeSync, constants, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { UartLink } from '../protocol/framing/uart-link.ts';
import { decodeMessage } from '../protocol/routing/codec.ts';
import { formatRoute } from '../protocol/routing/route.ts';
import { EnvelopeKind } from '../protocol/secure-channel/envelope.ts';
import { startFleet } from '../simulators/device/fleet.ts';

describe('firmware on XS over a pty', function () {
  this.timeout(20_000);

  it('puts the device UART on a pty where a gateway-side UART link receives its handshake message 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-pty-'));
    const lines: string[] = [];
    const fleet = await startFleet({
      engine: 'xs', count: 1, link: { kind: 'serial', path: join(dir, 'uart') }, stateDir: dir, clock: false, meterUnitsPerMs: 0,
      config: { route: 'uart:gw => tcp:127.0.0.1:4000 => api', trustAnchor: `I${'cd'.repeat(20)}`, links: 'uart', buildTime: Math.floor(Date.now() / 1000) - 86_400 },
      out: (l) => lines.push(l),
    });
    const fd = openSync(join(dir, 'uart'), constants.O_RDWR | constants.O_NOCTTY);
    const tty = new ReadStream(fd);
    try {
      const link = new UartLink();
      const received: Uint8Array[] = [];
      tty.on('data', (chunk: Buffer) => {
        const now = performance.now();
        received.push(...link.receive(new Uint8Array(chunk), now));
        for (let f = link.poll(now); f !== undefined; f = link.poll(now)) writeSync(fd, f);
      });
      const timer = setInterval(() => {
        for (let f = link.poll(performance.now()); f !== undefined; f = link.poll(performance.now())) writeSync(fd, f);
      }, 50);
      const deadline = Date.now() + 15_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      clearInterval(timer);
      assert.ok(received.length > 0, `nothing arrived; device said:\n${lines.join('\n')}`);
      const m1 = decodeMessage(received[0]!);
      assert.equal(formatRoute(m1.onwardRoute), 'uart:gw => tcp:127.0.0.1:4000 => api');
      assert.equal(m1.payload[0], EnvelopeKind.MESSAGE1);
      assert.equal(link.state, 'established');
      assert.ok(lines.some((l) => /^dev0: identifier I[0-9a-f]{40}/.test(l)), lines.join('\n'));
    } finally {
      tty.destroy();
      try {
        closeSync(fd);
      } catch {
        // the stream closed it
      }
      await fleet.close();
    }
  });
});
