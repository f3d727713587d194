/**
 * Lifecycle rules of one resource, by resource id (`container.db`). They come from the stack as it
 * is now (not from labels): removing a resource from the stack removes its rules with it.
 */
export type ReplaceOrder = 'create-before-destroy' | 'delete-before-create';

export interface Lifecycle {
  protect: boolean;
  /** Attribute paths whose changes (and drift) are not planned. */
  ignoreChanges: string[];
  /** Containers: replacement order; null = moor's default (create-before-destroy when it can). */
  replaceOrder: ReplaceOrder | null;
  /** Volumes: a replacement copies the data across. */
  migrate: boolean;
  /** Volumes: deleting or replacing needs no --allow-data-loss. */
  allowDataLoss: boolean;
}

export const NO_RULES: Lifecycle = Object.freeze({ protect: false, ignoreChanges: [], replaceOrder: null, migrate: false, allowDataLoss: false }) as Lifecycle;

export function rulesOf(lifecycle: Record<string, Lifecycle> | undefined, id: string): Lifecycle {
  return lifecycle?.[id] ?? NO_RULES;
}

/** Whether an ignoreChanges path covers a planned attribute change (`env` covers `env.MODE`; `image` covers `image id`). */
export function isIgnored(rules: Lifecycle, changePath: string): boolean {
  return rules.ignoreChanges.some((p) => changePath === p || changePath.startsWith(`${p}.`) || (p === 'image' && changePath === 'image id'));
}
