/**
 * moor logs on the real engine, one apply shared: every container's lines prefixed with its name
 * (padded, like compose), stdout and stderr both, merged in the order written; --tail, --since and
 * --timestamps; colours only when asked for (FORCE_COLOR) and distinct per container; -f prints
 * new lines until SIGINT, then the process exits 130 with its streams closed.
 */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MOOR_BIN, newPrefix, REPO, runMoor, show, sleep, sweepPrefix, withStack } from './helpers.js';

const prefix = newPrefix();
const logs = suite('e2e: moor logs');
logs.after(() => sweepPrefix(prefix));

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

logs('prefixes, merge order, --tail, --since, --timestamps, colour, and -f until SIGINT', () =>
  withStack(prefix, 'logs', async (s) => {
    s.write(`
  container('a', { image: img, command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo a-line-$i; done; sleep 0.2; echo a-err >&2; exec sleep 3600'] });
  container('bb', { image: img, command: ['sh', '-c', 'echo bb-line-1; exec sleep 3600'] });
  container('ticker', { image: img, command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done'] });
`);
    let r = await s.apply();
    assert.is(r.code, 0, show(r));
    await sleep(600);

    // Every container, names padded to the longest ("ticker"), stderr lines too.
    r = await runMoor(['logs', s.relFile]);
    assert.is(r.code, 0, show(r));
    const all = lines(r.stdout);
    for (const l of ['a       | a-line-1', 'a       | a-line-5', 'a       | a-err', 'bb      | bb-line-1']) assert.ok(all.includes(l), `${l}${show(r)}`);
    assert.ok(all.some((l) => /^ticker  \| tick-\d+$/.test(l)), show(r));
    assert.ok(all.every((l) => /^(a {7}|bb {6}|ticker {2})\| /.test(l)), show(r));
    // One container's lines keep their order.
    const a = all.filter((l) => l.startsWith('a '));
    assert.equal(a, ['a       | a-line-1', 'a       | a-line-2', 'a       | a-line-3', 'a       | a-line-4', 'a       | a-line-5', 'a       | a-err']);

    // Resources named; --tail per container.
    r = await runMoor(['logs', s.relFile, 'a', 'bb', '--tail', '2']);
    assert.is(r.code, 0, show(r));
    const tail = lines(r.stdout);
    assert.equal(tail.filter((l) => l.startsWith('a ')), ['a   | a-line-5', 'a   | a-err'], show(r));
    assert.equal(tail.filter((l) => l.startsWith('bb ')), ['bb  | bb-line-1'], show(r));
    assert.is(tail.length, 3, show(r));

    // --timestamps: the engine's RFC 3339 time after the prefix.
    r = await runMoor(['logs', s.relFile, 'bb', '-t']);
    assert.match(r.stdout, /^bb  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z bb-line-1$/m, show(r));

    // --since: a wrote everything before now; the ticker goes on.
    const since = (Date.now() / 1000).toFixed(3);
    await sleep(700);
    r = await runMoor(['logs', s.relFile, 'a', 'ticker', '--since', since]);
    assert.is(r.code, 0, show(r));
    assert.not.match(r.stdout, /a-line/, show(r));
    assert.match(r.stdout, /ticker +\| tick-\d+/, show(r));
    r = await runMoor(['logs', s.relFile, 'a', '--since', '1h']);
    assert.match(r.stdout, /a-line-1/, show(r));

    // Colour when asked for: each container its own; none with NO_COLOR (runMoor's default).
    r = await runMoor(['logs', s.relFile, 'a', 'bb'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    const colourOf = (name: string) => new RegExp(`\\u001b\\[(\\d+)m${name} +\\|\\u001b\\[0m`).exec(r.stdout)?.[1];
    assert.ok(colourOf('a') && colourOf('bb') && colourOf('a') !== colourOf('bb'), JSON.stringify(r.stdout));
    r = await runMoor(['logs', s.relFile, 'a']);
    assert.not.match(r.stdout, /\u001b\[/, show(r));

    // Unknown resource: named, with what there is.
    r = await runMoor(['logs', s.relFile, 'nope']);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, /has no container "nope" on the engine \(it has: a, bb, ticker\)/, show(r));

    // -f: new lines as they come, until SIGINT; then exit 130, nothing left open.
    const child = spawn(process.execPath, [MOOR_BIN, 'logs', s.relFile, 'ticker', '-f', '--tail', '1'], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    while (lines(out).length < 4 && Date.now() < deadline) await sleep(100);
    const seen = lines(out);
    assert.ok(seen.length >= 4, `-f printed new lines as they came: ${out}${err}`);
    const numbers = seen.map((l) => Number(/tick-(\d+)$/.exec(l)?.[1]));
    assert.ok(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1), `in order, none lost: ${out}`);
    child.kill('SIGINT');
    const code = await Promise.race([exited, sleep(5000).then(() => 'hung' as const)]);
    if (code === 'hung') child.kill('SIGKILL');
    assert.is(code, 130, `exit after SIGINT: ${code}\n${err}`);
    assert.is(err, '', 'nothing on stderr');
  }, { skipTypecheck: true }));

logs('bad flags are usage errors', async () => {
  for (const [args, message] of [
    [['logs', '--tail', 'x'], /--tail takes a number of lines or "all"/],
    [['logs', '--since', 'yesterday'], /--since takes a duration/],
    [['logs', '--format', 'dot'], /moor logs does not take --format/],
  ] as const) {
    const r = await runMoor([...args]);
    assert.is(r.code, 1, show(r));
    assert.match(r.stderr, message, show(r));
  }
});

logs.run();
