/** Containers of a stack named on the command line (`web`, `container.web`, `web-1`), for logs and exec. */
import { MoorError } from '../errors.js';
import type { StackContainer } from '../observe/stack-containers.js';
import { UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

export function matches(c: StackContainer, name: string): boolean {
  return name === c.resource || name === c.display || name === `container.${c.resource}` || name === c.name;
}

/** The containers named (all of them when none is); an unknown name is a usage error listing the known ones. */
export function pickContainers(stack: string, all: StackContainer[], names: string[]): StackContainer[] {
  if (!all.length) throw new MoorError(`stack ${stack} has no containers on the engine (was it applied? moor ps shows what it has)`);
  if (!names.length) return all;
  const known = [...new Set(all.map((c) => c.resource))];
  for (const n of names) {
    if (!all.some((c) => matches(c, n))) throw new UsageError(`stack ${stack} has no container "${n}" on the engine${didYouMean(n, known)} (it has: ${known.join(', ')})`);
  }
  return all.filter((c) => names.some((n) => matches(c, n)));
}

/**
 * One replica of a container with replicas (`<resource>-N`): `--index N`, else replica 1 (as
 * `docker compose exec`). A container without replicas is its own replica 1.
 */
export function pickReplica(found: StackContainer[], name: string, index: string | undefined): StackContainer[] {
  if (index !== undefined && !/^[1-9]\d*$/.test(index)) throw new UsageError(`--index takes a replica number from 1 (got "${index}")`);
  const n = index === undefined ? 1 : Number(index);
  const replicas = found.filter((c) => c.display === `${c.resource}-${n}` || (n === 1 && c.display === c.resource));
  if (replicas.length) return replicas;
  if (index === undefined) return found;
  const have = found.map((c) => c.display).join(', ');
  throw new UsageError(`container ${name} has no replica ${n} on the engine (it has: ${have})`);
}
