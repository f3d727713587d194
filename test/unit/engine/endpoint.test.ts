/**
 * Where the engine is: DOCKER_HOST forms, the TLS variables as the docker CLI reads them, and the
 * precedence --context > DOCKER_HOST > DOCKER_CONTEXT > currentContext, against a context store
 * written here in the CLI's layout (contexts/meta/<sha256>/meta.json, contexts/tls/<sha256>/docker).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EndpointError, parseDockerHost, resolveEndpoint } from '../../../core/engine/endpoint.js';
import { extraSshOptions, targetArgs } from '../../../core/engine/transport-ssh.js';

const endpoint = suite('engine endpoint');

endpoint('DOCKER_HOST forms', () => {
  assert.equal(parseDockerHost('unix:///run/d.sock'), { socketPath: '/run/d.sock', display: 'unix:///run/d.sock' });
  assert.equal(parseDockerHost('tcp://10.0.0.1'), { host: '10.0.0.1', port: 2375, display: 'tcp://10.0.0.1' });
  assert.equal(parseDockerHost('ssh://deploy@prod-1:2222'), { ssh: { user: 'deploy', host: 'prod-1', port: 2222 }, display: 'ssh://deploy@prod-1:2222' });
  assert.equal(parseDockerHost('ssh://prod-1'), { ssh: { host: 'prod-1' }, display: 'ssh://prod-1' });
  assert.equal(parseDockerHost('ssh://prod-1/'), { ssh: { host: 'prod-1' }, display: 'ssh://prod-1/' });
  // The engine's socket on the server, as the docker CLI reads it (`docker --host unix://PATH system dial-stdio`).
  assert.equal(parseDockerHost('ssh://deploy@prod-1:2222/run/user/1000/docker.sock'),
    { ssh: { user: 'deploy', host: 'prod-1', port: 2222, socket: '/run/user/1000/docker.sock' }, display: 'ssh://deploy@prod-1:2222/run/user/1000/docker.sock' });
  assert.throws(() => parseDockerHost('ssh://prod-1/x?y=1'), (e: Error) => e instanceof EndpointError);
  assert.throws(() => parseDockerHost('npipe:////./pipe/docker'), (e: Error) => e instanceof EndpointError && /unix:\/\/\/path, tcp:\/\/host:port or ssh:/.test(e.message));
});

endpoint('ssh arguments: user and port before the host, options from MOOR_SSH_OPTIONS; host key checks cannot be turned off', () => {
  const ep = parseDockerHost('ssh://deploy@prod-1:2222');
  assert.equal(targetArgs(ep as never, ['-F', '/c']), ['-l', 'deploy', '-p', '2222', '-F', '/c', '--', 'prod-1']);
  assert.equal(extraSshOptions({ MOOR_SSH_OPTIONS: ' -F  /c ' }), ['-F', '/c']);
  assert.throws(() => extraSshOptions({ MOOR_SSH_OPTIONS: '-o StrictHostKeyChecking=no' }), /always checks host keys/);
});

const withConfig = (fn: (dir: string) => void) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-endpoint-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function context(dir: string, name: string, host: string, tls?: { skip?: boolean }) {
  const meta = path.join(dir, 'contexts', 'meta', sha(name));
  mkdirSync(meta, { recursive: true });
  writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: !!tls?.skip } } }));
  if (tls) {
    const t = path.join(dir, 'contexts', 'tls', sha(name), 'docker');
    mkdirSync(t, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(t, f), 'x');
  }
}

endpoint('precedence: --context, DOCKER_HOST, DOCKER_CONTEXT, currentContext, the local socket', () => withConfig((dir) => {
  context(dir, 'a', 'unix:///a.sock');
  context(dir, 'b', 'tcp://b:2376', {});
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'a' }));
  const env = { DOCKER_CONFIG: dir };
  assert.is(resolveEndpoint({ env }).display, 'unix:///a.sock');
  assert.is(resolveEndpoint({ env: { ...env, DOCKER_CONTEXT: 'b' } }).display, 'tcp://b:2376');
  assert.is(resolveEndpoint({ env: { ...env, DOCKER_CONTEXT: 'b', DOCKER_HOST: 'unix:///h.sock' } }).display, 'unix:///h.sock');
  assert.is(resolveEndpoint({ env: { ...env, DOCKER_HOST: 'unix:///h.sock' }, context: 'b' }).display, 'tcp://b:2376');
  assert.is(resolveEndpoint({ env: { ...env, DOCKER_HOST: 'unix:///h.sock' }, context: 'default' }).display, 'unix:///h.sock');
  assert.is(resolveEndpoint({ env: { DOCKER_CONFIG: path.join(dir, 'none') } }).display, 'unix:///var/run/docker.sock');
  // A context with TLS material is TLS, checked; with SkipTLSVerify, unchecked.
  const b = resolveEndpoint({ env, context: 'b' });
  assert.equal('tls' in b && b.tls && { verify: b.tls.verify, ca: path.basename(b.tls.ca!), cert: path.basename(b.tls.cert!) }, { verify: true, ca: 'ca.pem', cert: 'cert.pem' });
  assert.throws(() => resolveEndpoint({ env, context: 'c' }), (e: Error) => e instanceof EndpointError && /the docker context "c" \(from --context\) does not exist .*known contexts: a, b/.test(e.message));
}));

endpoint('TLS variables: DOCKER_TLS_VERIFY checks the server, DOCKER_TLS alone does not; files from DOCKER_CERT_PATH', () => withConfig((dir) => {
  writeFileSync(path.join(dir, 'ca.pem'), 'x');
  const verify = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
  assert.equal('tls' in verify && verify.tls, { verify: true, ca: path.join(dir, 'ca.pem'), cert: undefined, key: undefined, source: `DOCKER_CERT_PATH=${dir}` });
  const tls = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: dir } });
  assert.is('tls' in tls && tls.tls?.verify, false);
  const plain = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://h:2375', DOCKER_TLS_VERIFY: '' } });
  assert.is('tls' in plain, false, 'an empty DOCKER_TLS_VERIFY is unset: plain tcp');
}));

endpoint.run();
