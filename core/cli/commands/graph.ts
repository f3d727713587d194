/** `moor graph [stack.ts | dir] [--format mermaid|dot]` — the stack's dependency graph, from the stack alone (no engine). */
import { stackGraph, toDot, toMermaid } from '../../render/stack-graph.js';
import { parseDay2Args, stackInputs } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { loadOrFail } from '../session.js';
import { findStackFile } from '../stack-file.js';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;

export async function graphCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseDay2Args('graph', argv);
  const format = values.format ?? 'mermaid';
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format takes ${GRAPH_FORMATS.join(' or ')} (got "${format}")`);
  if (positionals.length > 1) throw new UsageError(`moor graph takes one stack file, e.g. moor graph stacks/shop.ts (got ${positionals.length}: ${positionals.join(' ')})`);
  const stack = await loadOrFail(findStackFile(positionals[0], 'graph'), io, stackInputs(values));
  const graph = stackGraph(stack);
  io.out(format === 'dot' ? toDot(graph) : toMermaid(graph));
  return EXIT.ok;
}
