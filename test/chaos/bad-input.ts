import type { ChaosContext } from './lib/context.js';
import type { Row } from './lib/report.js';
export async function runBadInput(_ctx: ChaosContext, _log: (l: string) => void): Promise<Row[]> { return []; }
