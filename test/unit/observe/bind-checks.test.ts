import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkBindSources } from '../../../core/observe/bind-checks.js';
import { planStack } from '../../../core/plan/plan.js';
import { desired, observed, observedState } from '../../fixtures/builders.js';

const binds = suite('checkBindSources: bind sources the engine would not find');

const local = { localEngine: true, engine: 'unix:///var/run/docker.sock', skipChecks: false };

binds('a missing bind source of a container the plan creates is an error on its mounts; an existing one is not', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-bind-'));
  try {
    const missing = path.join(dir, 'nope');
    const d = desired('shop', ({ container }) => {
      container('web', { image: 'busybox', mounts: [{ bind: dir, target: '/a' }, { bind: missing, target: '/b' }] });
    });
    const diags = await checkBindSources(planStack(d, observedState({ stack: 'shop' })), d, local);
    assert.equal(diags.map((x) => `${x.resource} › ${x.field}: ${x.summary}`), [
      `container.web › mounts: bind mount source ${missing} (for /b) does not exist on the engine's host: the engine refuses to create the container`,
    ]);
    assert.equal(await checkBindSources(planStack(d, observedState({ stack: 'shop' })), d, { ...local, localEngine: false }), [], 'a remote engine: moor cannot look');
    assert.equal(await checkBindSources(planStack(d, observed(d)), d, local), [], 'a container left as it is is not checked');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

binds.run();
