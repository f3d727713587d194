/**
 * Secrets in the canonical spec: a reference and a keyed hash, never the value.
 *
 *   { secret: 'env:DB_PASSWORD', digest: 'hmac-sha256:…' }
 *
 * The hash key is random per stack and kept on the engine, in the labels of a data-less volume
 * `<stack>.moor-key` (the engine also holds the values themselves, in the containers' env): the
 * hash detects a changed value without letting anyone who reads labels, plans or plan files test
 * guesses offline.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { LABEL, LABEL_FORMAT } from './labels.js';

export interface SecretRef {
  /** 'env:NAME' or 'file:/absolute/path'. */
  secret: string;
  /** Keyed hash of the value; null until sealed (the key comes from the engine). */
  digest: string | null;
}

export type EnvValue = string | SecretRef;

export const SENSITIVE = '(sensitive)';
export const KEY_KIND = 'secret-key';
const KEY_LABEL = 'moor.key';

export function isSecretRef(v: unknown): v is SecretRef {
  return typeof v === 'object' && v !== null && typeof (v as SecretRef).secret === 'string' && 'digest' in (v as object);
}

export function secretDigest(key: Buffer, value: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(value).digest('hex')}`;
}

export function keyVolumeName(stack: string): string {
  return `${stack}.moor-key`;
}

export function newSecretKey(): Buffer {
  return randomBytes(32);
}

export function keyVolumeLabels(stack: string, key: Buffer): Record<string, string> {
  return { [LABEL.stack]: stack, [LABEL.kind]: KEY_KIND, [LABEL.name]: 'secret-key', [LABEL.format]: LABEL_FORMAT, [KEY_LABEL]: key.toString('base64') };
}

export function isKeyVolume(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABEL.kind] === KEY_KIND;
}

export function readKey(labels: Record<string, string> | null | undefined): Buffer | null {
  const raw = labels?.[KEY_LABEL];
  return raw ? Buffer.from(raw, 'base64') : null;
}
