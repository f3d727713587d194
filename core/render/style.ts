/** Colour is a parameter of rendering: tests and non-terminals get the plain style. */
import { importExternal } from '../import-external.js';

export interface Style {
  create(s: string): string;
  update(s: string): string;
  remove(s: string): string;
  replace(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  warn(s: string): string;
  error(s: string): string;
}

const id = (s: string) => s;
export const plainStyle: Style = { create: id, update: id, remove: id, replace: id, dim: id, bold: id, warn: id, error: id };

/** Colour only for a terminal, and never with NO_COLOR set (https://no-color.org). */
export function wantsColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return !!stream.isTTY;
}

export async function colorStyle(): Promise<Style> {
  const { Chalk } = await importExternal<typeof import('chalk')>('chalk');
  const c = new Chalk({ level: 1 });
  return {
    create: c.green, update: c.yellow, remove: c.red, replace: c.magenta, dim: c.dim, bold: c.bold, warn: c.yellow, error: c.red,
  };
}

export async function styleFor(stream: NodeJS.WriteStream = process.stdout): Promise<Style> {
  return wantsColor(stream) ? colorStyle() : plainStyle;
}
