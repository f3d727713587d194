/** Confirmation before changing anything: injected, so tests can stub it. */
import { createInterface } from 'node:readline/promises';
import { RefusedError } from './errors.js';

export type Confirm = (question: string) => Promise<boolean>;

/** Ask on the terminal; without one, refuse and point at --yes. */
export const terminalConfirm: Confirm = async (question) => {
  if (!process.stdin.isTTY) {
    throw new RefusedError('there is no terminal to confirm on: review the plan and pass --yes to apply it');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} Only 'yes' is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
};
