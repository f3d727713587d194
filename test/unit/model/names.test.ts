import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtImageRef, engineName, nextContainerName, normalizeImageRef } from '../../../core/model/names.js';

const names = suite('engine names');

names('<stack>-<name>, built images tagged :latest, replacements under .moor-next', () => {
  assert.is(engineName('shop', 'web'), 'shop-web');
  assert.is(builtImageRef('shop', 'tools'), 'shop-tools:latest');
  assert.is(nextContainerName('shop', 'web'), 'shop-web.moor-next');
});

names.run();

const refs = suite('normalizeImageRef');

refs('a reference without a tag gets :latest; a tag, a registry port or a digest is kept', () => {
  assert.is(normalizeImageRef('busybox'), 'busybox:latest');
  assert.is(normalizeImageRef('nginx:1.27'), 'nginx:1.27');
  assert.is(normalizeImageRef('registry.local:5000/team/app'), 'registry.local:5000/team/app:latest');
  assert.is(normalizeImageRef('registry.local:5000/team/app:2'), 'registry.local:5000/team/app:2');
  assert.is(normalizeImageRef('ghcr.io/org/tool'), 'ghcr.io/org/tool:latest');
});

refs('Docker Hub names are written the way the engine reports them (RepoTags use the familiar form)', () => {
  assert.is(normalizeImageRef('docker.io/library/nginx'), 'nginx:latest');
  assert.is(normalizeImageRef('docker.io/library/nginx:1.27'), 'nginx:1.27');
  assert.is(normalizeImageRef('library/redis:7'), 'redis:7');
  assert.is(normalizeImageRef('docker.io/bitnami/redis:7'), 'bitnami/redis:7');
  assert.is(normalizeImageRef('index.docker.io/library/busybox'), 'busybox:latest');
});

refs.run();
