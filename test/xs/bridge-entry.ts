/**
 * A small XS bundle for the runner's own tests: host calls, both RandomSources, and measurement
 * targets whose heap use is known (so the meter helper's accounting can be checked).
 */
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { callHost } from '../../simulators/xs/host-call.ts';
import { measurementCommands } from '../../simulators/xs/measure-target.ts';
import { hostRandom, seededRandom } from '../../simulators/xs/random.ts';
import { serveCommands } from '../../simulators/xs/xs-commands.ts';

/** Objects made by the measurement targets; kept in an array so they can be retained. */
function objects(count: number): object[] {
  const out: object[] = [];
  for (let i = 0; i < count; i++) out.push({ i });
  return out;
}

serveCommands({
  ...measurementCommands({
    retain: (count) => () => objects(Number(count)),
    garbage: (count) => () => {
      objects(Number(count));
      return null;
    },
  }),
  hostRandom: (r) => toHex(hostRandom()(Number(r['length']))),
  seededRandom: (r) => toHex(seededRandom(Number(r['seed']))(Number(r['length']))),
  callHost: (r) => toHex(callHost(Number(r['service']), fromHex(String(r['body'])))),
  fail: (r) => {
    throw new RangeError(String(r['message']));
  },
});
