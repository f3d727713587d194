/** Confirmation before changing anything: injected, so tests can stub it. */
import { RefusedError } from './errors.js';

export type Confirm = (question: string) => Promise<boolean>;

/** Ask on the terminal; without one, refuse and point at --yes. */
export const terminalConfirm: Confirm = async (question) => {
  if (!process.stdin.isTTY) {
    throw new RefusedError('there is no terminal to confirm on: review the plan and pass --yes to go ahead');
  }
  // Loaded only to ask: every command loads this module, few of them ask.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // The terminal closing (Ctrl-D, a dropped session) before an answer is a "no".
    const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
    const answer = await Promise.race([rl.question(`${question} Only 'yes' is accepted: `), closed]);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
};
