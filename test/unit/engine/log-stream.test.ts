/** streamLogs against a fake engine: lines cut across frames and chunks, both streams, a TTY's raw log, abort. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { streamLogs, type LogLine } from '../../../core/engine/log-stream.js';
import { frame, withFakeEngine } from '../../fixtures/fake-engine.js';

const logs = suite('streamLogs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T1 = '2026-12-06T05:00:00.000000001Z';
const T2 = '2026-12-06T05:00:00.5Z';

logs('a multiplexed log: lines split across frames and chunks are whole again, each with its stream and timestamp', () =>
  withFakeEngine(async (engine) => {
    let query: Record<string, string> = {};
    engine.handle('GET /containers/c1/logs', (r, _req, res) => {
      query = r.query;
      res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
      const bytes = Buffer.concat([frame(1, `${T1} hel`), frame(1, 'lo\n'), frame(2, `${T2} oops\r\n`), frame(1, `${T2} no newline at the end`)]);
      // Cut inside a frame header and inside a payload.
      void (async () => {
        for (const at of [[0, 3], [3, 20], [20, bytes.length]] as const) {
          res.write(bytes.subarray(at[0], at[1]));
          await sleep(20);
        }
        res.end();
      })();
    });
    const lines: LogLine[] = [];
    const s = await streamLogs(engine.client, 'c1', { follow: false, tail: '5', tty: false }, (l) => lines.push(l));
    await s.done;
    assert.equal(query, { stdout: '1', stderr: '1', timestamps: '1', tail: '5' });
    assert.equal(lines, [
      { stream: 'stdout', at: T1, text: 'hello' },
      { stream: 'stderr', at: T2, text: 'oops' },
      { stream: 'stdout', at: T2, text: 'no newline at the end' },
    ]);
  }));

logs('a TTY container\'s log is the terminal\'s bytes; following ends when aborted, with what came', () =>
  withFakeEngine(async (engine) => {
    let query: Record<string, string> = {};
    engine.handle('GET /containers/c2/logs', (r, _req, res) => {
      query = r.query;
      res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
      res.write(`${T1} one\r\n${T2} tw`);
    });
    const lines: LogLine[] = [];
    const s = await streamLogs(engine.client, 'c2', { follow: true, since: 1796533974.5, tty: true }, (l) => lines.push(l));
    while (lines.length < 1) await sleep(10);
    s.abort();
    await s.done;
    assert.equal(query, { stdout: '1', stderr: '1', timestamps: '1', follow: '1', since: '1796533974.5', tail: 'all' });
    assert.equal(lines, [{ stream: 'stdout', at: T1, text: 'one' }, { stream: 'stdout', at: T2, text: 'tw' }]);
  }));

logs('bytes that are not a multiplexed stream fail the log, naming why', () =>
  withFakeEngine(async (engine) => {
    engine.handle('GET /containers/c3/logs', (_r, _req, res) => {
      res.writeHead(200);
      res.end('plain text, not frames\n');
    });
    const s = await streamLogs(engine.client, 'c3', { follow: false, tty: false }, () => undefined);
    await s.done.then(() => assert.unreachable('should fail'), (e: Error) => assert.match(e.message, /not a multiplexed stream/));
  }));

logs.run();
