/**
 * The script every XsnapProcess evaluates before anything else: the few globals that bundled
 * code may touch and xsnap-worker leaves out.
 *
 * Only `console`, forwarding to xsnap's `print` (stdout, captured by the host). Moddable firmware
 * logs with `trace`, not `console`, so this exists for tests and third-party code. It is a plain
 * script rather than a bundled module so it costs no esbuild run and works for any bundle.
 * Randomness and time are deliberately NOT shimmed: they enter through parameters (RandomSource)
 * and host calls, never through globals, so code that reaches for `crypto.getRandomValues` or
 * `setTimeout` fails loudly on XS exactly as it would on the device.
 */
export const XS_PRELUDE = `(function () {
  var print = globalThis.print;
  function show(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return String(value);
    try {
      var json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch (e) {
      return String(value);
    }
  }
  function writer(prefix) {
    return function () {
      var parts = [];
      for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
      print(prefix + parts.join(' '));
    };
  }
  var shim = { log: writer(''), info: writer(''), debug: writer(''), warn: writer('warn: '), error: writer('error: ') };
  Object.defineProperty(globalThis, 'console', { value: shim, writable: true, configurable: true, enumerable: false });
})();
`;
