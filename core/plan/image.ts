/** Images: built ones are rebuilt when their context changes; pulled ones are fetched when missing. */
import path from 'node:path';
import { LABEL, ownershipLabels } from '../model/labels.js';
import { builtImageRef } from '../model/names.js';
import type { ImageSpec } from '../model/spec.js';
import type { PlanContext } from './context.js';
import type { PlanNode } from './types.js';
import { pullPolicyNode } from './pull-policy.js';

export function planImages(ctx: PlanContext): PlanNode[] {
  const nodes: PlanNode[] = [];
  const { observed } = ctx;
  for (const img of ctx.desired.images) {
    const id = `image.${img.name}`;
    const present = observed.images.find((o) => o.refs.includes(img.ref));
    const base = { id, kind: 'image' as const, name: img.name, engineName: img.ref, dependsOn: [], dependents: [], changes: [] };
    const forced = ctx.options.replace?.includes(id);
    if (!img.build && img.pull) {
      const node = pullPolicyNode(ctx, img, present, base, !!forced);
      if (node) nodes.push(node);
      continue;
    }
    if (!img.build) {
      nodes.push(present
        ? forced
          ? { ...base, action: 'replace', causes: ['forced by --replace: pulled again'], op: { type: 'image.pull', image: img } }
          : { ...base, action: 'noop', causes: [], op: { type: 'noop' } }
        : { ...base, action: 'create', causes: ['not on the engine: will be pulled'], op: { type: 'image.pull', image: img } });
      continue;
    }
    if (present && present.labels[LABEL.stack] !== ctx.desired.name) {
      ctx.diagnostics.push({
        severity: 'error',
        summary: `an image tagged "${img.ref}" already exists and was not built by stack "${ctx.desired.name}"; moor will not retag it`,
        resource: id,
        location: ctx.desired.locations[id],
      });
      continue;
    }
    if (!present) {
      nodes.push({ ...base, action: 'create', causes: [`build from ${showContext(ctx.desired.file, img.build.context)}${img.build.target || img.build.platform ? ` (${[img.build.target ? `target ${img.build.target}` : '', img.build.platform ?? ''].filter(Boolean).join(', ')})` : ''}`], op: { type: 'image.build', image: img } });
      continue;
    }
    const changes = [];
    if (present.labels[LABEL.context] !== img.build.contextHash) {
      changes.push({ path: 'build.context', before: present.labels[LABEL.context] ?? null, after: img.build.contextHash, forcesReplacement: true, source: 'change' as const, note: 'content of the build context changed' });
    }
    const builtWith = buildLabel(img);
    if (present.labels['moor.build'] !== builtWith) {
      changes.push({ path: 'build', before: present.labels['moor.build'] ?? null, after: builtWith, forcesReplacement: true, source: 'change' as const, note: buildChangeNote(present.labels['moor.build'], builtWith) });
    }
    nodes.push(changes.length || forced
      ? { ...base, changes, action: 'replace', causes: ['rebuild: ' + [...changes.map((c) => c.note), ...(forced ? ['forced by --replace'] : [])].join('; ')], op: { type: 'image.build', image: img } }
      : { ...base, action: 'noop', causes: [], op: { type: 'noop' } });
  }

  // Images this stack built that the stack no longer declares.
  for (const o of observed.images) {
    if (!o.resource || ctx.desired.images.some((i) => i.build && i.name === o.resource)) continue;
    // moor removes its own tag, never the image by id: a tag someone else gave it keeps the image.
    const own = builtImageRef(ctx.desired.name, o.resource);
    const tags = o.refs.filter((r) => !r.includes('@'));
    if (!tags.includes(own) && tags.length > 0) {
      ctx.notes.push(`image ${o.resource} (built by this stack) is kept: it is tagged ${tags.join(', ')} by someone else, no longer ${own}`);
      continue;
    }
    const ref = tags.includes(own) ? own : o.id;
    const users = [
      ...observed.containers.filter((c) => c.owner === 'stack' && c.spec?.image === o.resource).map((c) => `container.${c.resource}`),
      // A service's task containers keep using the image until the service is removed.
      ...(observed.services ?? []).filter((s) => s.owner === 'stack' && s.spec?.image === o.resource).map((s) => `service.${s.resource}`),
    ];
    const others = tags.filter((t) => t !== own);
    nodes.push({
      id: `image.${o.resource}`, kind: 'image', name: o.resource, engineName: ref === o.id ? o.id.slice(7, 19) : ref,
      action: 'delete', causes: [ctx.options.mode === 'destroy' ? 'destroy' : 'no longer in the stack', ...(others.length ? [`only the tag: the image stays as ${others.join(', ')}`] : [])], changes: [],
      dependsOn: [], dependents: users, op: { type: 'image.delete', id: o.id, ref },
    });
  }
  return nodes;
}

/**
 * What else, beside the context, a build depends on: recorded as a label on the image. target and
 * platform appear only when set, so images built before they existed are not rebuilt.
 */
export function buildLabel(img: ImageSpec): string {
  return JSON.stringify({ dockerfile: img.build?.dockerfile, args: img.build?.args, labels: img.labels, target: img.build?.target, platform: img.build?.platform, secrets: img.build?.secrets });
}

const BUILD_FIELDS: Record<string, string> = { dockerfile: 'dockerfile', args: 'build args', labels: 'labels', target: 'target', platform: 'platform', secrets: 'build secrets' };

/** Which build settings differ between two build labels, in words ("target changed"). */
function buildChangeNote(before: string | undefined, after: string): string {
  const parse = (s: string | undefined): Record<string, unknown> | undefined => { try { return s ? JSON.parse(s) : undefined; } catch { return undefined; } };
  const b = parse(before);
  const a = parse(after)!;
  if (!b) return 'dockerfile, build args, labels, target or platform changed';
  const changed = Object.keys(BUILD_FIELDS).filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => BUILD_FIELDS[k]);
  return `${changed.join(', ') || 'build settings'} changed`;
}

export function imageLabels(stack: string, img: ImageSpec): Record<string, string> {
  return {
    ...img.labels,
    ...ownershipLabels(stack, 'image', img.name),
    [LABEL.context]: img.build?.contextHash ?? '',
    'moor.build': buildLabel(img),
  };
}

/** A build context as the stack author wrote it: relative to the stack file when inside its folder. */
function showContext(stackFile: string, context: string): string {
  const rel = path.relative(path.dirname(stackFile), context);
  return rel.startsWith('..') || path.isAbsolute(rel) ? context : `./${rel}`;
}
