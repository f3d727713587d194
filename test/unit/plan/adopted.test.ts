import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planStack } from '../../../core/plan/plan.js';
import { containerCreateBody } from '../../../core/apply/container-body.js';
import type { AdoptedEntry } from '../../../core/model/adoption.js';
import type { ObservedState } from '../../../core/observe/types.js';
import type { Plan } from '../../../core/plan/types.js';
import { fingerprint, staleReasons } from '../../../core/plan/fingerprint.js';
import { actions, containerSpec, inspected, nodeOf, observed, shopStack, type Mutation } from '../../fixtures/builders.js';

/** compose 1.x names: `shop_web_1`, `shop_backend`, `shop_data`. */
const composeName = (kind: string, name: string) => (kind === 'container' ? `shop_${name}_1` : `shop_${name}`);

/**
 * As `moor import --project shop` leaves the engine: the objects under compose's names, without
 * moor labels, owned through the adoption record that holds the spec each was adopted with.
 */
function adopted(only: (kind: string, resource: string) => boolean = () => true): Mutation {
  return (s) => {
    const entries: AdoptedEntry[] = [];
    const rename = new Map<string, string>();
    const adopt = <T extends { name: string; id: string; resource?: string; spec?: unknown; labels: Record<string, string> }>(kind: 'container' | 'network' | 'volume', o: T): T => {
      if (!o.resource || !only(kind, o.resource)) return o;
      const name = composeName(kind, o.resource);
      rename.set(o.name, name);
      const id = kind === 'volume' ? name : o.id;
      entries.push({ kind, resource: o.resource, id, engineName: name, spec: o.spec as AdoptedEntry['spec'], since: '2026-12-06T00:00:00Z' });
      return { ...o, id, name, labels: { 'com.docker.compose.project': 'shop' }, adopted: true };
    };
    const networks = s.networks.map((n) => adopt('network', n));
    const volumes = s.volumes.map((v) => adopt('volume', v));
    const containers = s.containers.map((c) => adopt('container', c)).map((c) => ({
      ...c,
      networks: c.networks.map((n) => rename.get(n) ?? n),
      ...(c.live ? { live: { ...c.live, aliases: Object.fromEntries(Object.entries(c.live.aliases).map(([n, a]) => [rename.get(n) ?? n, a])) } } : {}),
    }));
    return { ...s, networks, volumes, containers, adoption: { generation: 1, entries, volumes: ['shop.moor-adopted.1'] } } satisfies ObservedState;
  };
}

const changed = (plan: Plan) => plan.nodes.filter((n) => n.action !== 'noop').map((n) => `${n.id} ${n.action}`);

const plan = suite('planStack with adopted objects');

plan('an adopted container given replicas keeps its name as replica 1; the others are created; dependents wait for each by its name', () => {
  const d = shopStack();
  const p = planStack(shopStack({ dbReplicas: 2 }), observed(d, adopted(), ...d.containers.map((c) => inspected(c.name))));
  assert.equal(changed(p).filter((a) => a.includes('db')), ['container.db#2 create']);
  assert.is(nodeOf(p, 'container.db#1').engineName, 'shop_db_1');
  const web = nodeOf(p, 'container.web');
  assert.is(web.action, 'noop');
  const fresh = planStack(shopStack({ dbReplicas: 2 }), observed(d, adopted((k, r) => k !== 'container' || r === 'db'), (s) => ({ ...s, containers: s.containers.filter((c) => c.resource === 'db') })));
  const op = nodeOf(fresh, 'container.web').op;
  assert.ok(op.type === 'container.create' && op.waitFor.map((w) => w.container).join(',') === 'shop_db_1,shop-db-2', JSON.stringify(op.type === 'container.create' ? op.waitFor : op));
});

plan('right after adoption the plan is empty: nothing renamed, recreated, or touched', () => {
  const d = shopStack();
  const p = planStack(d, observed(d, adopted(), ...d.containers.map((c) => inspected(c.name))));
  assert.equal(changed(p), []);
  assert.is(nodeOf(p, 'container.web').engineName, 'shop_web_1');
  assert.is(nodeOf(p, 'network.backend').engineName, 'shop_backend');
  assert.is(nodeOf(p, 'volume.data').engineName, 'shop_data');
  assert.equal(p.adoption?.keep.length, p.adoption?.entries.length);
  assert.is(p.adoption?.names['network.backend'], 'shop_backend');
});

plan('an env change replaces only that container, under moor\'s name, and drops its record entry', () => {
  const d = shopStack({ webEnv: { MODE: 'dev' } });
  const o = observed(shopStack(), adopted(), inspected('web'));
  const p = planStack(d, o);
  // sidecar shares web's namespace and volumes: replaced with it, as for any stack.
  assert.equal(changed(p), ['container.web replace', 'container.sidecar replace']);
  const web = nodeOf(p, 'container.web');
  assert.is(web.engineName, 'shop-web');
  assert.equal(web.op.type === 'container.replace' && web.op.oldId, o.containers.find((c) => c.resource === 'web')!.id);
  assert.is(web.op.type === 'container.replace' && web.op.oldName, 'shop_web_1', 'the name it gets back if its replacement cannot start');
  // web waits for db, which keeps its adopted name.
  assert.equal(web.op.type === 'container.replace' && web.op.waitFor, [{ container: 'shop_db_1', resource: 'db', condition: 'healthy' }]);
  assert.not.ok(p.adoption!.keep.includes('container.web'));
  assert.ok(p.adoption!.keep.includes('container.db'));
  assert.not.ok('container.web' in p.adoption!.names);
  // The new container joins the adopted networks and volume by their names.
  const body = containerCreateBody('shop', 'shop-tools:latest', containerSpec(d, 'web'), new Map(), {}, p.adoption!.names).body as { HostConfig: { NetworkMode: string } };
  assert.is(body.HostConfig.NetworkMode, 'shop_backend');
});

plan('a live change (restart policy) updates the adopted container in place, keeping its name and entry', () => {
  const d = shopStack({ webRestart: 'always' });
  const p = planStack(d, observed(shopStack(), adopted(), inspected('web')));
  assert.equal(changed(p), ['container.web update']);
  const web = nodeOf(p, 'container.web');
  assert.is(web.op.type === 'container.update' && web.op.rename, undefined);
  assert.is(web.engineName, 'shop_web_1');
  assert.ok(p.adoption!.keep.includes('container.web'));
});

plan('an adopted volume is never deleted by destroy without --volumes, and keeps its record entry', () => {
  const d = shopStack();
  const o = observed(d, adopted());
  const p = planStack({ ...d, images: [], networks: [], volumes: [], containers: [], backups: [] }, o, { mode: 'destroy' });
  assert.not.ok(actions(p).includes('volume.data delete'));
  assert.ok(p.notes.some((n) => n.includes('shop_data is kept')), p.notes.join('\n'));
  assert.equal(p.adoption!.keep, ['volume.data']);
  const withVolumes = planStack({ ...d, images: [], networks: [], volumes: [], containers: [], backups: [] }, o, { mode: 'destroy', destroyVolumes: true });
  assert.is(nodeOf(withVolumes, 'volume.data').engineName, 'shop_data');
  assert.equal(withVolumes.adoption!.keep, []);
});

plan('destroy removes the record once nothing adopted stays, even when nothing else is left to remove', () => {
  const d = shopStack();
  const none = { ...d, images: [], networks: [], volumes: [], containers: [], backups: [] };
  // Everything adopted was removed by hand: only the record is left.
  const gone: Mutation = (s) => ({ ...s, containers: [], networks: [], volumes: [], images: [] });
  const p = planStack(none, observed(d, adopted(), gone), { mode: 'destroy' });
  assert.equal(changed(p), ['ledger delete']);
  assert.equal(nodeOf(p, 'ledger').op, { type: 'ledger.delete', volumes: ['shop.moor-adopted.1'] });
  // A kept volume keeps the record.
  assert.not.ok(actions(planStack(none, observed(d, adopted()), { mode: 'destroy' })).includes('ledger delete'));
});

plan('an adopted container left beside its replacement by an interrupted apply is removed, and leaves the record', () => {
  const d = shopStack();
  const o = observed(d, adopted((kind, r) => kind === 'container' && r === 'jobs'));
  const old = o.containers.find((c) => c.adopted)!;
  // The replacement exists under moor's name, with moor's labels; the adopted one was set aside.
  const replacement = { ...old, id: 'f'.repeat(64), name: 'shop-jobs', adopted: undefined, labels: {} };
  const p = planStack(d, { ...o, containers: [...o.containers, { ...old, name: 'shop-jobs.moor-old', state: 'exited' }].filter((c) => c !== old).concat(replacement) });
  assert.equal(changed(p), [`container.jobs#${old.id.slice(0, 12)} delete`]);
  assert.equal(p.adoption!.keep, []);
});

plan('objects only partly adopted: the others keep moor names, an adopted network is looked up by its record', () => {
  const d = shopStack();
  const p = planStack(d, observed(d, adopted((kind) => kind === 'network')));
  assert.equal(changed(p), []);
  assert.is(nodeOf(p, 'container.web').engineName, 'shop-web');
  assert.is(nodeOf(p, 'network.frontend').engineName, 'shop_frontend');
});

plan('a saved plan is stale once the adoption record changed (an import or apply since)', () => {
  const d = shopStack();
  const o = observed(d, adopted());
  const later: ObservedState = { ...o, adoption: { ...o.adoption!, generation: 2, entries: o.adoption!.entries.slice(1) } };
  assert.equal(staleReasons(fingerprint(o), fingerprint(later)), ['moor adoption record was recreated (id 1 → 2)']);
});

plan('a stack without a record has no adoption in its plan', () => {
  const d = shopStack();
  assert.is(planStack(d, observed(d)).adoption, undefined);
});

/** db adopted from a compose service scaled to 3 (`shop_db_1..3`), listed by the engine in no particular order. */
const scaledDbAdopted: Mutation = (s) => {
  const entries: AdoptedEntry[] = [];
  const containers = s.containers.map((c) => {
    const n = c.resource === 'db' ? Number(/-(\d+)$/.exec(c.name)![1]) : 0;
    if (!n) return c;
    const name = `shop_db_${n}`;
    entries.push({ kind: 'container', resource: 'db', id: c.id, engineName: name, spec: c.spec!, since: '2026-12-06T00:00:00Z', replica: n });
    return { ...c, name, labels: { 'com.docker.compose.project': 'shop' }, adopted: true as const, adoptedReplica: n };
  }).reverse();
  return { ...s, containers, adoption: { generation: 1, entries, volumes: ['shop.moor-adopted.1'] } };
};

plan('a scaled compose service adopted as one container with replicas: empty plan, each replica in its own slot under its own name', () => {
  const d = shopStack({ dbReplicas: 3 });
  const o = observed(d, scaledDbAdopted);
  const p = planStack(d, o);
  assert.equal(changed(p), []);
  assert.equal([1, 2, 3].map((i) => nodeOf(p, `container.db#${i}`).engineName), ['shop_db_1', 'shop_db_2', 'shop_db_3']);
  assert.equal([...p.adoption!.keep].sort(), ['container.db#1', 'container.db#2', 'container.db#3']);
  // Scaled down to 2: the third replica goes (the highest), and its record entry with it.
  const down = planStack(shopStack({ dbReplicas: 2 }), o);
  assert.equal(changed(down).filter((a) => a.includes('db')), ['container.db#3 delete']);
  assert.is(nodeOf(down, 'container.db#3').engineName, 'shop_db_3');
  assert.equal([...down.adoption!.keep].sort(), ['container.db#1', 'container.db#2']);
});

plan.run();
