/**
 * moor exec on the real engine, one apply shared: without a TTY, stdin piped in reaches the
 * command, its stdout and stderr come out apart and its exit code is moor's; everything after the
 * container is the command's (its own flags, --help included); with a TTY (a pseudo-terminal from
 * script(1)) the command sees a terminal of moor's size, and its exit code is passed through too;
 * a stopped container and an unknown one are clear errors.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MOOR_BIN, newPrefix, REPO, runMoor, show, sleep, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const exec = suite('e2e: moor exec');
exec.after(() => sweepPrefix(prefix));

interface Run { code: number | null; stdout: string; stderr: string }

/** A command with `input` on its stdin (kept open `holdMs` after it, as a terminal would be), killed after 30 s. */
function run(cmd: string, args: string[], input: string, holdMs = 0): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(input);
    if (holdMs) void sleep(holdMs).then(() => child.stdin.end());
    else child.stdin.end();
  });
}

const dump = (r: Run) => `\nexit ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;

exec('stdin, stdout, stderr and the exit code without a TTY; a TTY under script(1); errors', () =>
  withStack(prefix, 'exec', async (s) => {
    s.write(`
  container('box', { image: img, command: ['sleep', '3600'] });
  container('job', { image: img, command: ['true'], runOnce: true });
`);
    let r = await s.apply();
    assert.is(r.code, 0, show(r));

    // Piped: stdin in, the two streams apart, the exit code through.
    let x = await run(process.execPath, [MOOR_BIN, 'exec', s.relFile, 'box', 'sh', '-c', 'cat; echo to-stderr >&2; exit 7'], 'hello\nworld\n');
    assert.is(x.code, 7, dump(x));
    assert.is(x.stdout, 'hello\nworld\n', dump(x));
    assert.is(x.stderr, 'to-stderr\n', dump(x));

    // `--`, moor's flags before the container, the command's own after it.
    x = await run(process.execPath, [MOOR_BIN, 'exec', '-w', '/www', '-u', '1234', s.relFile, 'box', '--', 'sh', '-c', 'echo "$(pwd) $(id -u) $1"', 'sh', '--help'], '');
    assert.is(x.code, 0, dump(x));
    assert.is(x.stdout, '/www 1234 --help\n', dump(x));

    // A command that does not exist: the engine's exit code for it (126/127), its message on stderr.
    x = await run(process.execPath, [MOOR_BIN, 'exec', s.relFile, 'box', 'no-such-command'], '');
    assert.ok(x.code === 126 || x.code === 127, dump(x));

    // A TTY: script(1) gives moor a pseudo-terminal (40x100); the command sees one, of that size,
    // and when the terminal is resized (SIGWINCH to moor), the new size.
    const inner = `stty rows 40 cols 100; (sleep 4; stty rows 21 cols 61 </dev/tty) & exec node ${MOOR_BIN} exec ${s.relFile} box sh -c 'sleep 0.5; tty; stty size; sleep 6; stty size; exit 3'`;
    // Generous timing: moor's own start on a loaded CI machine must be over before the resize.
    x = await run('script', ['-qec', inner, '/dev/null'], '', 20_000);
    assert.is(x.code, 3, dump(x));
    assert.match(x.stdout, /\/dev\/pts\/\d+\r*\n40 100\r*\n21 61\r*\n/, dump(x));

    // Typed into the terminal: an interactive shell, in raw mode (the container's terminal echoes), its exit code.
    const shell = `stty rows 40 cols 100; exec node ${MOOR_BIN} exec ${s.relFile} box`;
    x = await new Promise<Run>((resolve) => {
      const child = spawn('script', ['-qec', shell, '/dev/null'], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr: '' }); });
      void (async () => {
        for (let i = 0; i < 100 && !stdout.includes('# '); i++) await sleep(100);
        child.stdin.write('echo answer-$((6*7))\r');
        for (let i = 0; i < 50 && !stdout.includes('answer-42'); i++) await sleep(100);
        child.stdin.write('exit 5\r');
      })();
    });
    assert.is(x.code, 5, dump(x));
    assert.match(x.stdout, /answer-42/, dump(x));

    // Errors: a container that is not running, one the stack does not have.
    r = await runMoor(['exec', s.relFile, 'job', 'true']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`container job of stack ${s.name} is exited, not running`), show(r));
    r = await runMoor(['exec', s.relFile, 'nope', 'true']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /has no container "nope" on the engine \(it has: box, job\)/, show(r));
    r = await runMoor(['exec', s.relFile]);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /moor exec needs the container to run in/, show(r));
    // --help before the container is moor's.
    r = await runMoor(['exec', '--help']);
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /^Usage:\n  moor exec /, show(r));
  }, { skipTypecheck: true }));

exec.run();
