/**
 * CommandConn: a child process as a socket. A process that fails before or after its output ended
 * fails the connection with what it said (a server without the docker CLI is not "socket hang up");
 * one that exits 0 ends the connection normally.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandConn } from '../../../core/engine/command-conn.js';

const conn = suite('CommandConn');

const start = (script: string) => new CommandConn(
  spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams,
  (code, stderr) => new Error(`exit ${code}: ${stderr.trim()}`),
);

/** What the reader of the connection sees: its data and how it ended ('end', or the error's message). */
function outcome(c: CommandConn): Promise<{ data: string; ended: string }> {
  return new Promise((resolve) => {
    let data = '';
    c.on('data', (b: Buffer) => (data += b.toString()));
    c.on('end', () => resolve({ data, ended: 'end' }));
    c.on('error', (e) => resolve({ data, ended: e.message }));
  });
}

conn('a process that fails after closing its output fails the connection with its stderr', async () => {
  const r = await outcome(start('exec 1>&-; echo "sh: docker: not found" >&2; exit 127'));
  assert.equal(r, { data: '', ended: 'exit 127: sh: docker: not found' });
});

conn('a process that fails after writing fails it too', async () => {
  const r = await outcome(start('printf partial; echo broken >&2; exit 1'));
  assert.equal(r, { data: 'partial', ended: 'exit 1: broken' });
});

conn('a process that exits 0 ends the connection after all its output', async () => {
  const c = start('cat');
  const r = outcome(c);
  c.end('hello');
  assert.equal(await r, { data: 'hello', ended: 'end' });
});

conn.run();
