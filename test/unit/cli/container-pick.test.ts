import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pickContainers, pickReplica } from '../../../core/cli/container-pick.js';
import type { StackContainer } from '../../../core/observe/stack-containers.js';

const c = (display: string, resource: string): StackContainer => ({
  id: `id-${display}`, name: `shop-${display}`, resource, display, state: 'running', status: 'Up', health: null, ports: [],
});
const all = [c('db', 'db'), c('worker-1', 'worker'), c('worker-2', 'worker'), c('worker-3', 'worker')];

const pick = suite('exec: which replica');

pick('a replicated container: replica 1 by default, --index N picks another', () => {
  assert.equal(pickReplica(pickContainers('shop', all, ['worker']), 'worker', undefined).map((x) => x.display), ['worker-1']);
  assert.equal(pickReplica(pickContainers('shop', all, ['worker']), 'worker', '3').map((x) => x.display), ['worker-3']);
  assert.equal(pickReplica(pickContainers('shop', all, ['db']), 'db', undefined).map((x) => x.display), ['db']);
});

pick('--index beyond the replicas, or not a number, is a usage error naming what there is', () => {
  assert.throws(() => pickReplica(pickContainers('shop', all, ['worker']), 'worker', '4'), /container worker has no replica 4 on the engine \(it has: worker-1, worker-2, worker-3\)/);
  assert.throws(() => pickReplica(pickContainers('shop', all, ['worker']), 'worker', '0'), /--index takes a replica number from 1/);
});

pick.run();
