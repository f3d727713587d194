import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { resourceStatuses } from '../../../core/plan/resource-status.js';
import { renderPs } from '../../../core/render/ps.js';
import { plainStyle } from '../../../core/render/style.js';
import { container, desired, emptyEngine, observed, removed, shopStack, stopped } from '../../fixtures/builders.js';

const status = suite('resourceStatuses: what moor ps shows, from the plan');

const syncs = (d = shopStack(), o = observed(shopStack())) => Object.fromEntries(resourceStatuses(planStack(d, o), o).map((r) => [r.id, r.sync]));

status('everything applied: in sync, each with its engine object', () => {
  const o = observed(shopStack());
  const rows = resourceStatuses(planStack(shopStack(), o), o);
  assert.ok(rows.every((r) => r.sync === 'in sync'), JSON.stringify(rows));
  const web = rows.find((r) => r.id === 'container.web')!;
  assert.equal(web.objects.map((x) => x.name), ['shop-web']);
  assert.is(web.state, 'running');
  assert.equal(rows.find((r) => r.id === 'volume.data')!.objects, [{ name: 'shop-data', id: 'shop-data' }]);
  // Containers first, then images, networks, volumes.
  assert.equal([...new Set(rows.map((r) => r.kind))], ['container', 'image', 'network', 'volume']);
});

status('stopped or removed by hand, edited in the stack, no longer declared', () => {
  const was = shopStack();
  assert.is(syncs(was, observed(was, stopped('metrics')))['container.metrics'], 'drifted');
  const o = observed(was, removed('container', 'jobs'));
  assert.is(syncs(was, o)['container.jobs'], 'missing');
  assert.equal(resourceStatuses(planStack(was, o), o).find((r) => r.id === 'container.jobs')!.objects, []);
  assert.is(syncs(shopStack({ webEnv: { MODE: 'dev' } }))['container.web'], 'changed');
  const fewer = desired('shop', ({ network }) => { network('frontend'); });
  assert.is(syncs(fewer, observed(was))['container.web'], 'extra');
  assert.is(syncs(was, emptyEngine('shop'))['network.backend'], 'missing');
});

status('an exited container shows its exit code; the table pads plain text and says why it is not in sync', () => {
  const was = shopStack();
  const o = observed(was, stopped('metrics', 'exited', 3), container('web', (c) => ({ ...c, ports: ['127.0.0.1:8080->80/tcp'], health: 'healthy' })));
  const rows = resourceStatuses(planStack(was, o), o);
  assert.is(rows.find((r) => r.id === 'container.metrics')!.state, 'exited (3)');
  const text = renderPs('shop', rows, plainStyle);
  assert.match(text, /^RESOURCE +ENGINE OBJECT +STATE +HEALTH +PORTS +STACK$/m);
  assert.match(text, /^container\.web +shop-web \([0-9a-f]{12}\) +running +healthy +127\.0\.0\.1:8080->80\/tcp +in sync$/m);
  assert.match(text, /^container\.metrics +shop-metrics \([0-9a-f]{12}\) +exited \(3\) +- +- +drifted: /m);
  // The status column lines up under its heading.
  const lines = text.split('\n');
  const at = lines[0]!.indexOf('STACK');
  assert.is(lines.find((l) => l.startsWith('container.web'))!.indexOf('in sync'), at);
  assert.is(lines.find((l) => l.startsWith('container.metrics'))!.indexOf('drifted'), at);
});

status.run();
