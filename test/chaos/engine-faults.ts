import type { ChaosContext } from './lib/context.js';
import type { Row } from './lib/report.js';
export const ENGINE_FAULTS: { slug: string; name: string; run(ctx: ChaosContext, log: (l: string) => void): Promise<Row> }[] = [];
