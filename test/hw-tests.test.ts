/**
 * The hardware-in-the-loop suite (hw-tests/) on the targets the environment names: the
 * simulators always, a real ESP32 over serial or BLE when BURROW_HW_* variables say where
 * (hw-tests/README.md); those skip with what to set otherwise. `npm run hw-tests` runs this
 * file alone; HW_SEED=<n> replays a run's faults.
 */
import { SCENARIOS } from '../hw-tests/scenarios/index.ts';
import { registerHwTests } from '../hw-tests/suite.ts';
import { selectTargets } from '../hw-tests/targets.ts';

registerHwTests(selectTargets(process.env), SCENARIOS);
