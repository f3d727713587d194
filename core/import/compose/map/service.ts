/**
 * One compose service → the options of one container(): each key goes to its handler; a key no
 * handler takes is reported as left out, with the reason from unsupported.ts.
 */
import type { Entry } from '../../emit.js';
import { isDict, type Dict } from '../types.js';
import type { MapContext } from './context.js';
import { HOST_HANDLERS } from './handlers-host.js';
import { NETWORK_HANDLERS } from './handlers-network.js';
import { PROCESS_HANDLERS } from './handlers-process.js';
import { STORAGE_HANDLERS } from './handlers-storage.js';
import { unsupportedReason } from './unsupported.js';

export class ServiceMap {
  options: Dict = {};
  readonly comments: string[] = [];
  readonly path: string;

  constructor(readonly ctx: MapContext, readonly name: string, readonly def: Dict) {
    this.path = `services/${name}`;
  }

  get resource(): string {
    return this.ctx.services.get(this.name)!;
  }

  /** A key (or sub-key: 'ports/2') left out of the stack. */
  leftOut(key: string, why: string): void {
    this.ctx.report('left-out', `${this.path}/${key}`, why);
    this.comments.push(`not imported: ${key.replace(/\//g, '.')}: ${why}`);
  }

  /** Mapped, but not one-to-one: a comment above the container and a report line. */
  note(key: string, why: string): void {
    this.ctx.report('note', key ? `${this.path}/${key}` : this.path, why);
    this.comments.push(key ? `${key.replace(/\//g, '.')}: ${why}` : why);
  }

  /** Nothing is lost: the report says so, no comment. */
  info(key: string, why: string): void {
    this.ctx.report('info', `${this.path}/${key}`, why);
  }

  /** A value of a shape the handler does not know. */
  bad(key: string, value: unknown): void {
    this.leftOut(key, `unexpected value ${JSON.stringify(value)}`);
  }

  /** Sub-keys of a mapping no handler reads: reported, never dropped silently. */
  unknownKeys(key: string, value: unknown, known: string[]): void {
    if (!isDict(value)) return;
    for (const k of Object.keys(value)) if (!known.includes(k)) this.leftOut(`${key}/${k}`, `not a ${key.replace(/\/\d+$/, '').replace(/\//g, '.')} option moor knows`);
  }

  set(option: string, value: unknown): void {
    if (value !== undefined) this.options[option] = value;
  }
}

export type Handler = (value: unknown, s: ServiceMap) => void;

const HANDLERS: Record<string, Handler> = { ...PROCESS_HANDLERS, ...HOST_HANDLERS, ...NETWORK_HANDLERS, ...STORAGE_HANDLERS };

/** Keys handled elsewhere (image/build with the images; profiles and extends by the loader). */
const ELSEWHERE = new Set(['image', 'build', 'profiles', 'extends']);

export function mapService(ctx: MapContext, name: string, def: Dict): ServiceMap {
  const s = new ServiceMap(ctx, name, def);
  for (const [key, value] of Object.entries(def)) {
    if (ELSEWHERE.has(key) || value === undefined) continue;
    if (value === null) { s.info(key, 'empty: compose reads it as unset too'); continue; }
    if (key.startsWith('x-')) { s.info(key, 'an extension field: compose ignores it too'); continue; }
    const handler = HANDLERS[key];
    if (handler) handler(value, s);
    else s.leftOut(key, unsupportedReason(key));
  }
  if (!def.network_mode && !isDict(def.networks) && !Array.isArray(def.networks)) {
    // Compose attaches a service without networks to the project's default network.
    s.options.networks = [{ $ref: 'net:default' }];
  }
  return s;
}

export function containerEntry(s: ServiceMap, varOf: (key: string) => string): Entry {
  const options = rewriteRefs(s.options, varOf) as Dict;
  return { varName: varOf(`svc:${s.name}`), name: s.resource, options, ...(s.comments.length ? { comments: s.comments } : {}) };
}

/** '{ $ref: "svc:db" }' placeholders → the entries' var names. */
export function rewriteRefs(v: unknown, varOf: (key: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, varOf));
  if (isDict(v)) {
    if (typeof v.$ref === 'string') return { $ref: varOf(v.$ref) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewriteRefs(x, varOf)]));
  }
  return v;
}
