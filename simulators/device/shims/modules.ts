/**
 * Shim of Moddable's `modules` (optional modules looked up at run time). A simulated build has
 * the modules the simulator registers (registerModule) and nothing else, so the firmware's
 * native-crypto hook finds none unless a test provides one.
 */
const registered = new Map<string, unknown>();

export function registerModule(name: string, namespace: unknown): void {
  registered.set(name, namespace);
}

const Modules = {
  has(name: string): boolean {
    return registered.has(name);
  },
  importNow(name: string): unknown {
    if (!registered.has(name)) throw new Error(`module "${name}" not found`);
    return registered.get(name);
  },
  get host(): string[] {
    return [...registered.keys()];
  },
  get archive(): string[] {
    return [];
  },
};

export default Modules;
