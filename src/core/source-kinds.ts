import { InputError } from './errors.js';
import type { AnySourceKind } from './source.js';

/** The kinds of source a hub knows, by name. */
export class SourceKinds {
  private readonly kinds = new Map<string, AnySourceKind>();

  constructor(kinds: AnySourceKind[]) {
    for (const k of kinds) this.kinds.set(k.kind, k);
  }

  get(kind: string): AnySourceKind {
    const k = this.kinds.get(kind);
    if (!k) throw new InputError(`unknown source kind "${kind}" (known: ${this.names().join(', ')})`);
    return k;
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /** Validates a config against its kind's schema; the error names the offending field. */
  parseConfig(kind: string, config: unknown, where = 'config'): unknown {
    const result = this.get(kind).configSchema.safeParse(config);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new InputError(`${where}: field ${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
}
