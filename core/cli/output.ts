/** Where the CLI writes: stdout for results, stderr for diagnostics and progress. Injected for tests. */
import { styleFor, plainStyle, type Style } from '../render/style.js';

export interface Output {
  out(text: string): void;
  err(text: string): void;
  style: Style;
  /** Progress spinners only on a terminal without NO_COLOR. */
  interactive: boolean;
  /** --json: stdout carries JSON only (errors too); human text goes to stderr. */
  json?: boolean;
}

/**
 * A reader that went away (`moor plan | head -1`) must not crash moor, nor stop an apply half-way:
 * output to a closed pipe is dropped and the command finishes.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

export async function processOutput(json: boolean): Promise<Output> {
  ignoreClosedPipes();
  const style = json ? plainStyle : await styleFor(process.stdout);
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    style,
    interactive: !json && style !== plainStyle && !!process.stderr.isTTY,
    json,
  };
}
