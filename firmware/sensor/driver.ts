/**
 * What the application needs from a sensor: named values on demand. A real driver (an I2C
 * temperature sensor over `embedded:io/i2c`, an ADC battery monitor) implements this and the
 * rest of the firmware does not change; simulated.ts is the one the simulators and boards
 * without sensors use.
 *
 * Names follow protocol/app/messages.ts (1-32 of [A-Za-z0-9_.-]); values are finite numbers
 * in the unit the name states. read() may throw a BurrowError for a sensor fault: the reading
 * is skipped and counted, the device goes on.
 */
import type { ReadingValue } from '../../protocol/app/messages.ts';

export interface SensorDriver {
  /** For status reports and logs. */
  readonly name: string;
  /** One sample of every value the sensor has (at most 8). */
  read(uptimeMs: number): readonly ReadingValue[];
}
