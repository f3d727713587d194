/**
 * Swarm secrets moor makes for a service's `secrets:` files. Swarm secrets are immutable, so a
 * rotated value is a new secret: its name carries a prefix of the value's keyed hash (the stack's
 * secret key salts it, see model/secret.ts), never the value or a plain hash of it.
 */
import { LABEL, LABEL_FORMAT } from './labels.js';
import type { SecretRef } from './secret.js';

export const SWARM_SECRET_KIND = 'swarm-secret';

/** `<stack>-<service>-<file>-<12 hex of the keyed hash>`; the swarm allows 64 characters. */
export function swarmSecretName(stack: string, service: string, file: string, ref: SecretRef): string {
  const tag = (ref.digest ?? 'unsealed').replace(/^hmac-sha256:/, '').slice(0, 12);
  const base = `${stack}-${service}-${file}`.slice(0, 64 - tag.length - 1);
  return `${base}-${tag}`;
}

export function swarmSecretLabels(stack: string, service: string, file: string): Record<string, string> {
  return { [LABEL.stack]: stack, [LABEL.kind]: SWARM_SECRET_KIND, [LABEL.name]: service, [LABEL.format]: LABEL_FORMAT, 'moor.file': file };
}
