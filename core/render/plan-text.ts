/**
 * The plan's one canonical text form (tests compare it with colour off).
 * Symbols: + create, ~ update in place, -/+ replace (delete first), +/- replace (create first), - delete.
 */
import { diffLines } from 'diff';
import path from 'node:path';
import type { AttributeChange, Plan, PlanNode } from '../plan/types.js';
import { deletesFirst, hasChanges, summarize } from '../plan/types.js';
import { isMultiline } from './value.js';
import { formatAttribute } from './attribute-value.js';
import { SENSITIVE } from '../model/secret.js';
import type { Style } from './style.js';

export function actionSymbol(node: PlanNode): string {
  switch (node.action) {
    case 'create': return '+';
    case 'update': return '~';
    case 'delete': return '-';
    case 'noop': return ' ';
    case 'replace':
      return deletesFirst(node) ? '-/+' : '+/-';
    case 'migrate': return '>>';
  }
}

function paint(node: PlanNode, style: Style, s: string): string {
  switch (node.action) {
    case 'create': return style.create(s);
    case 'update': return style.update(s);
    case 'delete': return style.remove(s);
    case 'replace': return style.replace(s);
    case 'migrate': return style.update(s);
    case 'noop': return s;
  }
}

function changeLines(node: PlanNode, c: AttributeChange, style: Style): string[] {
  const show = (v: unknown) => (v === SENSITIVE ? SENSITIVE : formatAttribute(node.kind, c.path, v));
  // A create lists what it sets, a delete what goes away: one value each, no arrow (terraform's blocks).
  if (node.action === 'create' || node.action === 'delete') {
    const v = node.action === 'create' ? c.after : c.before;
    const sym = node.action === 'create' ? '+' : '-';
    if (isMultiline(v)) return [`      ${sym} ${c.path}:`, ...String(v).replace(/\n$/, '').split('\n').map((l) => style.dim(`          ${l}`))];
    return [`      ${sym} ${c.path}: ${show(v)}`];
  }
  const sym = c.before === null ? '+' : c.after === null ? '-' : '~';
  const tags = [c.forcesReplacement ? style.replace('# forces replacement') : '', c.source === 'drift' ? style.warn(`# drift${c.note ? `: ${c.note}` : ''}`) : c.note ? style.dim(`# ${c.note}`) : '']
    .filter(Boolean).join(' ');
  if (isMultiline(c.before) || isMultiline(c.after)) {
    const out = [`      ${sym} ${c.path}:${tags ? ` ${tags}` : ''}`];
    for (const part of diffLines(String(c.before ?? ''), String(c.after ?? ''))) {
      const mark = part.added ? '+' : part.removed ? '-' : ' ';
      for (const line of part.value.replace(/\n$/, '').split('\n')) {
        const text = `          ${mark} ${line}`;
        out.push(part.added ? style.create(text) : part.removed ? style.remove(text) : style.dim(text));
      }
    }
    return out;
  }
  if (c.sensitive && c.before !== null && c.after !== null) {
    const value = c.before === c.after ? '(sensitive value changed)' : `${show(c.before)} → ${show(c.after)}`;
    return [`      ${sym} ${c.path}: ${value}${tags ? `  ${tags}` : ''}`];
  }
  return [`      ${sym} ${c.path}: ${show(c.before)} → ${show(c.after)}${tags ? `  ${tags}` : ''}`];
}

function describe(node: PlanNode): string {
  if (node.action === 'replace' && node.op.type === 'container.replace') {
    return node.op.order === 'create-before-destroy' ? 'replace (new container first, then the old one is removed)' : 'replace (old container removed first)';
  }
  if (node.op.type === 'volume.repair') return 'repair';
  if (node.op.type === 'intent.finish') return 'finish';
  if (node.action === 'update') return 'update in place';
  if (node.op.type === 'volume.migrate') return `migrate: ${node.op.steps.join(' → ')}`;
  return '';
}

export function renderPlan(plan: Plan, style: Style, opts: { stackFile?: string; env?: string } = {}): string {
  const lines: string[] = [];
  const changed = plan.nodes.filter((n) => n.action !== 'noop');
  const headed = new Set<string>();
  for (const node of changed) {
    // Replicas: one line for the resource (`~ container worker  (3 → 5 replicas)`), then one per replica.
    if (node.replicas && !headed.has(`${node.kind}.${node.name}`)) {
      headed.add(`${node.kind}.${node.name}`);
      const { before, after } = node.replicas;
      lines.push(`  ${style.update('~  ')} ${node.kind} ${node.name}${style.dim(`  (${before === after || before === 0 ? `${after} replicas` : `${before} → ${after} replicas`})`)}`);
    }
    const sym = actionSymbol(node).padEnd(3);
    const title = node.replica !== undefined ? `${sym} ${node.kind} ${node.name}#${node.replica} (${node.engineName})` : `${sym} ${node.kind} ${node.name}`;
    const detail = [describe(node), ...node.causes].filter(Boolean).join('; ');
    lines.push(`  ${paint(node, style, title)}${detail ? style.dim(`  (${detail})`) : ''}`);
    if (node.dataLoss) {
      const what = `volume ${node.engineName}${node.dataAtStake ? ` (${showUsage(node.dataAtStake)})` : ''}`;
      lines.push(`      ${style.error(`!! DATA LOSS: ${what} and every file in it will be ${node.action === 'replace' ? 'deleted and recreated empty' : 'deleted'}`)}`);
      if (node.dataLossAllowed) lines.push(`      ${style.warn(`allowed by ${node.dataLossAllowed}`)}`);
    } else if (node.op.type === 'volume.migrate' && node.op.steps.includes('stash') && node.dataAtStake) {
      lines.push(`      ${style.dim(`data to copy: ${showUsage(node.dataAtStake)}`)}`);
    }
    for (const c of node.changes) lines.push(...changeLines(node, c, style));
  }
  for (const note of plan.notes) lines.push(style.dim(`  · ${note}`));
  if (plan.targets) {
    lines.push(style.warn(`  ! Partial plan (--target ${plan.targets.join(', ')}): only these resources and what they need; everything else is left as it is.`));
  }
  if (!plan.refreshed && plan.mode === 'apply') {
    lines.push(style.warn('  ! --refresh=false: containers were not inspected, so restart policies, limits and aliases changed by hand were not checked.'));
  }
  if (lines.length) lines.push('');
  if (opts.env !== undefined && hasChanges(plan)) lines.push(style.dim(`Environment ${opts.env}: the stack ${plan.stack} on the engine.`));
  lines.push(summaryLine(plan, opts.stackFile, opts.env));
  return lines.join('\n');
}

/** '1.5 MiB in 3,120 files' — what a volume holds. */
export function showUsage(u: { bytes: number; files: number | null; complete?: boolean }): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = u.bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const size = i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
  const shown = u.files === null ? size : `${size} in ${u.files.toLocaleString('en-US')} ${u.files === 1 ? 'entry' : 'entries'}`;
  // The walk stops at its time budget: what it counted is a lower bound.
  return u.complete === false ? `at least ${shown}` : shown;
}

export function summaryLine(plan: Plan, stackFile?: string, env?: string): string {
  const s = summarize(plan);
  if (s.create + s.update + s.replace + s.migrate + s.delete === 0) {
    const what = stackFile ? path.relative(process.cwd(), stackFile) || stackFile : `stack ${plan.stack}`;
    return `No changes. The engine matches ${what}${env !== undefined ? ` in the environment ${env} (stack ${plan.stack})` : ''}.`;
  }
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.migrate ? `${s.migrate} to migrate, ` : ''}${s.delete} to delete.`;
}
