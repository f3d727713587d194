/**
 * Pulled images whose containers set a pullPolicy (stack/pull-policy.ts):
 * - 'never': the image must be on the engine; a missing one is a plan error, nothing is pulled.
 * - 'always': observe asked the registry for the digest it serves now; the image is pulled again
 *   only when the engine's copy is another image (its RepoDigests lack that digest), so a plan of
 *   an unchanged stack stays empty. A registry that cannot answer is a plan error, as a failed
 *   pull is for compose's `pull_policy: always`: moor does not run a stale image silently.
 */
import { error } from '../diagnostics.js';
import type { ImageSpec } from '../model/spec.js';
import type { ObservedImage } from '../observe/types.js';
import type { PlanContext } from './context.js';
import type { PlanNode } from './types.js';

type Base = Pick<PlanNode, 'id' | 'kind' | 'name' | 'engineName' | 'dependsOn' | 'dependents' | 'changes'>;

export function pullPolicyNode(ctx: PlanContext, img: ImageSpec, present: ObservedImage | undefined, base: Base, forced: boolean): PlanNode | undefined {
  const pull = img.pull!;
  const user = `container.${pull.container}`;
  const where = { resource: user, field: 'pullPolicy', location: ctx.desired.locations[user] };
  const pullNode = (causes: string[]): PlanNode => ({ ...base, action: present ? 'replace' : 'create', causes, op: { type: 'image.pull', image: img } });
  if (pull.policy === 'never') {
    if (present) return forced ? pullNode(['forced by --replace: pulled again']) : { ...base, action: 'noop', causes: [], op: { type: 'noop' } };
    ctx.diagnostics.push(error(`image ${img.ref} is not on the engine, and pullPolicy "never" forbids pulling it`, {
      ...where, detail: `Build or load it on the engine first (docker pull, docker load), or use pullPolicy "missing".`,
    }));
    return undefined;
  }
  if (!present) return pullNode(['not on the engine: will be pulled']);
  const why = ctx.observed.unpullable?.[img.ref];
  if (why !== undefined) {
    ctx.diagnostics.push(error(`pullPolicy "always": ${why}`, {
      ...where, detail: 'Make the registry reachable from the engine, or use pullPolicy "missing" to run the image the engine has.',
    }));
    return undefined;
  }
  const digest = ctx.observed.registryDigests?.[img.ref];
  if (forced) return pullNode(['forced by --replace: pulled again']);
  if (digest === undefined) {
    ctx.diagnostics.push(error(`pullPolicy "always": the registry of ${img.ref} could not be asked which image it serves`, where));
    return undefined;
  }
  if (present.refs.some((r) => r.endsWith(`@${digest}`))) return { ...base, action: 'noop', causes: [], op: { type: 'noop' } };
  return {
    ...pullNode([`pullPolicy "always": the registry serves another image (${digest.slice(0, 19)}…)`]),
    changes: [{ path: 'digest', before: present.refs.find((r) => r.includes('@'))?.split('@')[1] ?? null, after: digest, forcesReplacement: true, source: 'change' }],
  };
}
