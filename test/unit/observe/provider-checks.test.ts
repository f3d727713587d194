import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DesiredStack } from '../../../core/model/spec.js';
import { checkVolumeProviders } from '../../../core/observe/provider-checks.js';
import { planStack } from '../../../core/plan/plan.js';
import { stack } from '../../../core/stack/define.js';
import { bind, tmpfs } from '../../../providers/index.js';
import { desiredStack, emptyEngine, LOCAL_HOST, observed, volumeHealth } from '../../fixtures/builders.js';

/** A stack file in `dir` with volume site (bind ./<site>) and volume cache (tmpfs), both used by web. */
function app(dir: string, site = './site'): DesiredStack {
  return desiredStack(stack('shop', ({ volume, container }) => {
    const mounts = [volume('site', { provider: bind({ path: site }) }), volume('cache', { provider: tmpfs() })].map((v, i) => ({ volume: v, target: `/v${i}` }));
    container('web', { image: 'nginx:1.27', mounts });
  }), path.join(dir, 'shop.ts'));
}

const checks = suite('checkVolumeProviders');
let dir = '';
checks.before.each(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'moor-checks-test-')); });
checks.after.each(() => { rmSync(dir, { recursive: true, force: true }); });

checks('a volume the plan creates is checked; a finding names the stack file\'s location, the volume and provider.<option>', async () => {
  const d = app(dir);
  assert.ok(d.locations['volume.site']?.line, 'the fixture stack has a location for volume.site');
  const diagnostics = await checkVolumeProviders(planStack(d, emptyEngine('shop')), d, LOCAL_HOST);
  assert.equal(diagnostics, [{
    severity: 'error', summary: `${path.join(dir, 'site')} does not exist`, resource: 'volume.site', field: 'provider.path',
    location: d.locations['volume.site'], detail: 'Create it, or set create: true to let moor create it.',
  }]);
});

checks('a volume the plan leaves alone is not checked', async () => {
  const d = app(dir);
  assert.equal(await checkVolumeProviders(planStack(d, observed(d)), d, LOCAL_HOST), []);
});

checks('a volume the plan repairs or replaces is checked', async () => {
  const d = app(dir);
  const repair = planStack(d, observed(d, volumeHealth('site', { ok: false, reason: 'gone' })));
  assert.equal((await checkVolumeProviders(repair, d, LOCAL_HOST)).map((x) => [x.resource, x.field]), [['volume.site', 'provider.path']]);
  const replace = planStack(d, observed(app(dir, './old-site')));
  assert.equal((await checkVolumeProviders(replace, d, LOCAL_HOST)).map((x) => [x.resource, x.field]), [['volume.site', 'provider.path']]);
});

checks('a check that fails is itself an error diagnostic, not an exception', async () => {
  writeFileSync(path.join(dir, 'file'), 'x');
  const d = app(dir, './file/site');
  const [diag, ...rest] = await checkVolumeProviders(planStack(d, emptyEngine('shop')), d, LOCAL_HOST);
  assert.equal(rest, []);
  assert.equal([diag?.severity, diag?.resource, diag?.field], ['error', 'volume.site', 'provider']);
  assert.match(diag?.summary ?? '', /^moor could not check the bind volume: ENOTDIR/);
});

checks.run();
