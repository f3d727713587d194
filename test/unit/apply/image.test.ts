import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pullImage, pullQuery } from '../../../core/apply/image.js';
import { isRetryable } from '../../../core/apply/failure.js';
import type { EngineClient } from '../../../core/engine/client.js';
import { EngineError } from '../../../core/engine/errors.js';

const pull = suite('pullImage');
const DIGEST = `sha256:${'a'.repeat(64)}`;

pull('the pull query: repository and tag, or the digest in tag (a digest reference was sent as "name@sha256" before)', () => {
  assert.equal(pullQuery('busybox:latest'), { fromImage: 'busybox', tag: 'latest' });
  assert.equal(pullQuery('localhost:5000/team/app'), { fromImage: 'localhost:5000/team/app', tag: 'latest' });
  assert.equal(pullQuery('localhost:5000/team/app:v2'), { fromImage: 'localhost:5000/team/app', tag: 'v2' });
  assert.equal(pullQuery(`nginx@${DIGEST}`), { fromImage: 'nginx', tag: DIGEST });
  assert.equal(pullQuery(`registry:5000/nginx:1.27@${DIGEST}`), { fromImage: 'registry:5000/nginx', tag: DIGEST });
});

pull('a pull the engine refuses names the image, the reason and the fix; a registry timing out is retryable', async () => {
  const failing = (message: string) => ({ streamJson: async () => { throw new EngineError(500, message, 'POST /images/create'); } }) as unknown as EngineClient;
  const img = { kind: 'image' as const, name: 'x.invalid/none:1', ref: 'x.invalid/none:1', labels: {} };
  // No docker config: the message does not depend on the machine's ~/.docker.
  const env = { ...process.env, DOCKER_CONFIG: '/nonexistent/moor-unit-docker-config' };
  const gone = await pullImage(failing('dial tcp: lookup x.invalid: no such host'), img, env).catch((e: unknown) => e);
  assert.match((gone as Error).message, /^image x\.invalid\/none:1 is not on the engine and could not be pulled: dial tcp: lookup x\.invalid: no such host\n  Fix: /);
  assert.not.ok(isRetryable(gone));
  const slow = await pullImage(failing('net/http: TLS handshake timeout'), img, env).catch((e: unknown) => e);
  assert.ok(isRetryable(slow));
  assert.not.match((slow as Error).message, /Fix:/);
});

pull.run();
