import { SENSITIVE } from '../model/secret.js';

/** How one attribute value reads in plan text. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (v === SENSITIVE) return v;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.map(showValue).join(', ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function isMultiline(v: unknown): v is string {
  return typeof v === 'string' && v.includes('\n');
}
