/** Shim of ECMA-419 `embedded:io/digital`: outputs are reported to the host (an LED blinking). */
import { DeviceOp } from '../device-calls.ts';
import { deviceCall } from './runtime.ts';

export interface DigitalOptions {
  readonly pin: number;
  readonly mode: unknown;
}

export default class Digital {
  static readonly Input: unknown = 'input';
  static readonly InputPullUp: unknown = 'inputPullUp';
  static readonly InputPullDown: unknown = 'inputPullDown';
  static readonly InputPullUpDown: unknown = 'inputPullUpDown';
  static readonly Output: unknown = 'output';
  static readonly OutputOpenDrain: unknown = 'outputOpenDrain';
  static readonly Rising = 1;
  static readonly Falling = 2;

  private readonly pin: number;
  private value: 0 | 1 = 0;

  constructor(options: DigitalOptions) {
    if (!Number.isInteger(options.pin) || options.pin < 0 || options.pin > 63) throw new RangeError('invalid pin');
    this.pin = options.pin;
  }

  write(value: 0 | 1): void {
    this.value = value ? 1 : 0;
    deviceCall(DeviceOp.DIGITAL_WRITE, Uint8Array.of(this.pin, this.value));
  }

  read(): 0 | 1 {
    return this.value;
  }

  close(): void {}

  get format(): 'number' {
    return 'number';
  }

  set format(_value: 'number') {}
}
