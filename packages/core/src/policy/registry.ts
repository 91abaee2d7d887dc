/** A registry of named policies: policies are looked up by name, not switched on. */
export class PolicyRegistry<T> {
  private readonly entries = new Map<string, T>();

  constructor(readonly kind: string) {}

  register(name: string, policy: T): void {
    if (this.entries.has(name)) throw new Error(`${this.kind} policy "${name}" is already registered`);
    this.entries.set(name, policy);
  }

  get(name: string): T | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
}
