/**
 * Attribute-level comparison of two specs of the same kind. Each attribute has a rule: whether a
 * change can be made live or forces replacement, and how its value reads in a plan.
 */
import type { AttributeChange } from './types.js';
import { isSecretRef, SENSITIVE } from '../model/secret.js';
import { sameValue } from './values.js';

export interface AttributeRule<S> {
  path: string;
  get: (spec: S) => unknown;
  /** Records (env, labels) are compared key by key, each key its own change. */
  perKey?: boolean;
  forcesReplacement: boolean;
  show?: (value: unknown) => unknown;
}

export function diffAttributes<S>(rules: AttributeRule<S>[], before: S, after: S, source: AttributeChange['source'] = 'change'): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const rule of rules) {
    const b = rule.get(before);
    const a = rule.get(after);
    if (sameValue(b, a)) continue;
    const show = rule.show ?? ((v: unknown) => v);
    if (rule.perKey) {
      const br = (b ?? {}) as Record<string, unknown>;
      const ar = (a ?? {}) as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(br), ...Object.keys(ar)])].sort()) {
        if (sameValue(br[key], ar[key])) continue;
        const sensitive = isSecretRef(br[key]) || isSecretRef(ar[key]);
        const shown = (v: unknown) => (v === undefined ? null : isSecretRef(v) ? SENSITIVE : v);
        changes.push({
          path: `${rule.path}.${key}`, before: shown(br[key]), after: shown(ar[key]), forcesReplacement: rule.forcesReplacement, source,
          ...(sensitive ? { sensitive: true } : {}),
        });
      }
      continue;
    }
    changes.push({ path: rule.path, before: show(b ?? null), after: show(a ?? null), forcesReplacement: rule.forcesReplacement, source });
  }
  return changes;
}
