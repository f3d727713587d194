/**
 * Stop signals the engine accepts when it creates a container: Linux signal names (moby's
 * SignalMap: SIGTERM, SIGQUIT, …, SIGRTMIN+n, SIGRTMAX-n) or a signal number. Anything else is
 * refused at create time ("Invalid signal: SIGFOO"), after other objects of the stack exist.
 */

const NAMES = [
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1',
  'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
];
/** Real-time signals as the engine names them: RTMIN+1…RTMIN+15 and RTMAX-14…RTMAX-1. */
const REALTIME = /^(?:RTMIN\+([1-9]|1[0-5])|RTMAX-([1-9]|1[0-4]))$/;

/** Highest signal number on Linux (SIGRTMAX). */
export const MAX_SIGNAL = 64;

export function isStopSignal(value: string): boolean {
  if (/^\d+$/.test(value)) return Number(value) >= 1 && Number(value) <= MAX_SIGNAL;
  if (!value.startsWith('SIG')) return false;
  const name = value.slice(3);
  return NAMES.includes(name) || REALTIME.test(name);
}

export const STOP_SIGNAL_MESSAGE =
  `expected a Linux signal name like "SIGTERM", "SIGQUIT", "SIGKILL" or "SIGRTMIN+3", or a signal number from 1 to ${MAX_SIGNAL}`;
