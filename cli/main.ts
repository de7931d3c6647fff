/**
 * `burrow <command>`: one entry point, each command in its own module, loaded only when asked
 * for (so `burrow conformance` never loads BLE or serial code).
 */

interface Command {
  readonly summary: string;
  load(): Promise<{ run(args: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  demo: { summary: 'demo [--ble 2] [--serial 1] [--relay]   a live demo fleet: cloud, gateway, simulated ESP32s (npm start)', load: () => import('./demo.ts') },
  conformance: {
    summary: 'conformance noise <vectors.json>   run Noise_XX_25519 vectors in both roles',
    load: () => import('./conformance.ts'),
  },
  node: {
    summary: 'node create|serve <name>             a node with a secure channel listener (hello world)',
    load: async () => ({ run: (await import('./hello-node.ts')).runNode }),
  },
  send: {
    summary: 'send <name> --to <route> <service> <text>   one message through a secure channel',
    load: async () => ({ run: (await import('./hello-node.ts')).runSend }),
  },
  relay: {
    summary: 'relay [--port 4100]                  run a relay that forwards to registered names',
    load: () => import('./relay.ts'),
  },
  cloud: { summary: 'cloud [--port 4000] [--data DIR]     run the cloud service (channels, registry, services)', load: () => import('./cloud.ts') },
  identity: { summary: 'identity show [--data DIR]           the service identifier devices pin as trust anchor', load: () => import('./identity.ts') },
  enroll: { summary: 'enroll <identifier> [--attr k=v]     enroll a device identity', load: () => import('./enroll.ts') },
  revoke: { summary: 'revoke <identifier>                  revoke a device and close its channel', load: () => import('./cloud-revoke.ts') },
  ticket: { summary: 'ticket create [--attr k=v] [--ttl]   one-time enrollment ticket', load: () => import('./ticket.ts') },
  readings: { summary: 'readings [--device ID] [--follow]    stored telemetry', load: () => import('./readings.ts') },
  command: { summary: 'command <device> <name> [args]       send a downlink command, wait for its result', load: () => import('./command.ts') },
  status: { summary: 'status                               channels of the running cloud service', load: () => import('./status.ts') },
  'device-sim': { summary: 'device-sim --trust-anchor <id> [--engine xs|node] [--link serial:<pty>|ble] [--count N]   simulated ESP32s running the real firmware', load: () => import('./device-sim.ts') },
  gateway: { summary: 'gateway run|status                   run the gateway service (BLE, serial -> TCP), or show a running one', load: () => import('./gateway.ts') },
  fleet: { summary: 'fleet --devices N [--duration 60s]   N simulated devices through one gateway to the cloud; checks nothing is lost', load: () => import('./fleet.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  burrow ${c.summary.startsWith(name) ? c.summary : `${name}  ${c.summary}`}`);
  return ['Burrow: end-to-end secure channels for IoT fleets', '', 'Usage:', ...lines, '', 'Run `burrow <command> --help` for details.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`burrow: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  try {
    return await module.run(rest);
  } catch (e) {
    const { UsageError } = await import('./args.ts');
    if (!(e instanceof UsageError)) throw e;
    console.error(`burrow ${name}: ${e.message}`);
    return 2;
  }
}
