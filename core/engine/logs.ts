/**
 * The last lines a container wrote, for error messages: a container that failed to start, exited
 * non-zero or went unhealthy is shown with what it said. Output of a container without a TTY
 * comes multiplexed (stdout/stderr frames); with one, as written.
 */
import type { EngineClient } from './client.js';
import { demux } from './exec.js';

export async function containerLogTail(client: EngineClient, id: string, lines = 10): Promise<string[]> {
  let raw: Buffer;
  let tty = false;
  try {
    const [info, logs] = await Promise.all([
      client.request<{ Config?: { Tty?: boolean } }>('GET', `/containers/${encodeURIComponent(id)}/json`),
      client.requestRaw('GET', `/containers/${encodeURIComponent(id)}/logs`, { query: { stdout: 1, stderr: 1, tail: lines, timestamps: 1 } }),
    ]);
    tty = !!info.Config?.Tty;
    raw = logs;
  } catch {
    return []; // the logs are a courtesy: a driver without read support (none, syslog) has none
  }
  let text: string;
  try {
    text = tty ? raw.toString('utf8') : demux(raw).filter((f) => f.stream === 'stdout' || f.stream === 'stderr').map((f) => f.data.toString('utf8')).join('');
  } catch {
    text = raw.toString('utf8');
  }
  // stdout and stderr come from two log streams: put their lines back in the order they were written.
  const stamped = text.replace(/\r\n/g, '\n').split('\n').filter((l) => l.trim() !== '').map((l) => {
    const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) ?(.*)$/.exec(l);
    return m ? { at: m[1]!, line: m[2]! } : { at: '', line: l };
  });
  const ns = (at: string) => at.replace(/\.(\d+)Z$/, (_, f: string) => `.${f.padEnd(9, '0')}Z`);
  return stamped.sort((a, b) => (ns(a.at) < ns(b.at) ? -1 : ns(a.at) > ns(b.at) ? 1 : 0)).map((x) => x.line).slice(-lines);
}

/** The tail as an indented block under an error message; empty when there is nothing. */
export function showLogTail(name: string, tail: string[]): string {
  return tail.length ? `\n  last log lines of ${name}:\n${tail.map((l) => `    ${l.slice(0, 300)}`).join('\n')}` : '';
}
