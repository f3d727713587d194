/** Turn zod issues into moor diagnostics: one per problem, with a readable field path. */
import type { z } from 'zod';
import { error, type Diagnostic, type SourceLocation } from '../diagnostics.js';

type Issue = z.core.$ZodIssue;

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** For a union, report the branch that came closest instead of zod's bare "Invalid input". */
function flatten(issue: Issue, prefix: readonly PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.filter((b) => b.length > 0);
    // A branch whose only complaint is an unrecognized or missing key is the wrong branch; prefer deeper ones.
    const score = (b: readonly Issue[]) =>
      b.length * 10 - Math.max(...b.map((i) => i.path.length)) + (b.some((i) => i.code === 'unrecognized_keys') ? 5 : 0);
    // A value of the wrong type at this very place: a branch's own explanation (a custom check's
    // message, e.g. "expected a string or secret('NAME')") says more than "Invalid input".
    const custom = branches.find((b) => b.length === 1 && b[0]!.code === 'custom' && b[0]!.path.length === 0);
    if (custom && branches.every((b) => b.every((i) => i.path.length === 0))) return [{ path, message: custom[0]!.message }];
    const best = [...branches].sort((a, b) => score(a) - score(b))[0];
    if (best && best.every((i) => i.path.length > 0 || i.code !== 'invalid_type')) {
      return best.flatMap((i) => flatten(i, path));
    }
  }
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    // A record key the key schema refused: report that schema's own message, at the key.
    return issue.issues.flatMap((i) => flatten(i as Issue, path));
  }
  return [{ path, message: issue.message }];
}

export function issuesToDiagnostics(
  issues: readonly Issue[],
  where: { resource: string; location: SourceLocation },
): Diagnostic[] {
  return issues.flatMap((issue) =>
    flatten(issue, []).map(({ path, message }) =>
      error(message, { resource: where.resource, field: fieldPath(path) || undefined, location: where.location }),
    ),
  );
}
