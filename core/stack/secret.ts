/**
 * secret(): a sensitive value a stack refers to but never contains. It is read when moor runs —
 * from the environment, --env-file files or .env beside the stack (`secret('DB_PASSWORD')`), or a file (`secret({ file: './db.pass' })`) —
 * and never appears in plans, plan files, labels or logs: moor keeps only a keyed hash of it.
 */
const SECRET_TAG = '__moorSecret';

export interface Secret {
  readonly [SECRET_TAG]: true;
  readonly source: { readonly env: string } | { readonly file: string };
}

/** A secret from an environment variable, or from a file (relative to the stack file). */
export function secret(source: string | { env: string } | { file: string }): Secret {
  const s = typeof source === 'string' ? { env: source } : 'env' in source ? { env: source.env } : { file: source.file };
  return Object.freeze({ [SECRET_TAG]: true as const, source: Object.freeze(s) });
}

export function isSecret(value: unknown): value is Secret {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[SECRET_TAG] === true;
}
