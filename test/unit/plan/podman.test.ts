import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NO_LIVE_UPDATE_ON_PODMAN } from '../../../core/plan/container.js';
import { planStack } from '../../../core/plan/plan.js';
import type { ObservedState } from '../../../core/observe/types.js';
import { inspected, nodeOf, observed, shopStack } from '../../fixtures/builders.js';

const MiB = 1024 * 1024;
const onPodman = (s: ObservedState): ObservedState => ({ ...s, engine: { version: '4.3.1', apiVersion: '1.41', podman: true } });

const podman = suite('planContainers on Podman: no live update');

podman('a restart policy change replaces the container (an update on Docker), saying why', () => {
  const d = shopStack({ webRestart: 'always' });
  const docker = nodeOf(planStack(d, observed(shopStack(), inspected('web'))), 'container.web');
  assert.is(docker.action, 'update');
  const web = nodeOf(planStack(d, observed(shopStack(), inspected('web'), onPodman)), 'container.web');
  assert.is(web.action, 'replace');
  assert.equal(web.causes, ['restart changed']);
  assert.equal(web.changes, [{
    path: 'restart', before: { policy: 'unless-stopped', maxRetries: 0 }, after: { policy: 'always', maxRetries: 0 },
    forcesReplacement: true, source: 'change', note: NO_LIVE_UPDATE_ON_PODMAN,
  }]);
  assert.is(web.op.type === 'container.replace' && web.op.order, 'create-before-destroy');
});

podman('a raised limit replaces the container too', () => {
  const d = shopStack({ webResources: { memory: '512m' } });
  const web = nodeOf(planStack(d, observed(shopStack(), inspected('web'), onPodman)), 'container.web');
  assert.is(web.action, 'replace');
  assert.equal(web.changes, [{ path: 'resources.memory', before: 256 * MiB, after: 512 * MiB, forcesReplacement: true, source: 'change', note: NO_LIVE_UPDATE_ON_PODMAN }]);
});

podman('network attachments still change live (Podman connects and disconnects running containers)', () => {
  const d = shopStack({ webAliases: ['www', 'shop'] });
  const web = nodeOf(planStack(d, observed(shopStack(), inspected('web'), onPodman)), 'container.web');
  assert.is(web.action, 'update');
});

podman('an unchanged stack plans nothing', () => {
  const plan = planStack(shopStack(), observed(shopStack(), onPodman));
  assert.ok(plan.nodes.every((n) => n.action === 'noop'), plan.nodes.map((n) => `${n.id} ${n.action}`).join(', '));
});

podman.run();
