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
  /** Why, shown with the change (e.g. why the engine cannot change it live). */
  note?: string;
}

export function diffAttributes<S>(rules: AttributeRule<S>[], before: S, after: S, source: AttributeChange['source'] = 'change'): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const rule of rules) {
    const b = rule.get(before);
    const a = rule.get(after);
    if (sameValue(b, a)) continue;
    if (rule.perKey) {
      const br = (b ?? {}) as Record<string, unknown>;
      const ar = (a ?? {}) as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(br), ...Object.keys(ar)])].sort()) {
        if (sameValue(br[key], ar[key])) continue;
        const sensitive = isSecretRef(br[key]) || isSecretRef(ar[key]);
        const shown = (v: unknown) => (v === undefined ? null : isSecretRef(v) ? SENSITIVE : v);
        changes.push({
          path: `${rule.path}.${key}`, before: shown(br[key]), after: shown(ar[key]), forcesReplacement: rule.forcesReplacement, source,
          ...(sensitive ? { sensitive: true } : {}), ...(rule.note ? { note: rule.note } : {}),
        });
      }
      continue;
    }
    changes.push({ path: rule.path, before: b ?? null, after: a ?? null, forcesReplacement: rule.forcesReplacement, source, ...(rule.note ? { note: rule.note } : {}) });
  }
  return changes;
}

const isUnset = (v: unknown) => v === null || v === undefined || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * What a create sets (terraform's `+` block): every attribute with a value, as a change from
 * nothing; `gone` turns it around for a delete (what goes away). Unset attributes are left out.
 */
export function describeAttributes<S>(rules: AttributeRule<S>[], spec: S, gone = false): AttributeChange[] {
  const changes: AttributeChange[] = [];
  const push = (path: string, value: unknown, sensitive: boolean) => changes.push({
    path, before: gone ? value : null, after: gone ? null : value, forcesReplacement: false, source: 'change', ...(sensitive ? { sensitive: true } : {}),
  });
  for (const rule of rules) {
    const v = rule.get(spec);
    if (isUnset(v)) continue;
    if (rule.perKey) {
      for (const [key, value] of Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        push(`${rule.path}.${key}`, isSecretRef(value) ? SENSITIVE : value, isSecretRef(value));
      }
      continue;
    }
    push(rule.path, v, false);
  }
  return changes;
}
