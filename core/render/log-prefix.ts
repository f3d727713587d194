/**
 * Log lines of several containers, as compose prints them: `web-1  | line`, names padded to the
 * longest, each container in a colour of its own on a terminal (plain text otherwise).
 */

/** The colours compose cycles through (ANSI foreground codes): cyan, yellow, green, magenta, blue, then bright ones. */
const PALETTE = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface LogPrefixer {
  /** The line as printed, without its newline. */
  line(container: string, text: string, at?: string): string;
}

export function logPrefixer(names: string[], opts: { color: boolean; timestamps: boolean }): LogPrefixer {
  const width = Math.max(0, ...names.map((n) => n.length));
  const colours = new Map(names.map((n, i) => [n, PALETTE[i % PALETTE.length]!]));
  return {
    line(container, text, at) {
      const name = `${container.padEnd(width)}  |`;
      const prefix = opts.color ? `\u001b[${colours.get(container) ?? 0}m${name}\u001b[0m` : name;
      return `${prefix} ${opts.timestamps && at ? `${at} ` : ''}${text}`;
    },
  };
}
