/** A TCP reachability probe for plan-time checks: does anything accept a connection on host:port? */
import net from 'node:net';

/** 'open', or why not in plain words ("connection refused", "no answer within 3 s", "unknown host"). */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answer: string) => {
      socket.destroy();
      clearTimeout(timer);
      resolve(answer);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    socket.once('connect', () => done('open'));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const plain: Record<string, string> = {
        ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable',
        ENOTFOUND: 'unknown host name', EAI_AGAIN: 'the host name could not be resolved', ETIMEDOUT: 'timed out',
      };
      done(plain[e.code ?? ''] ?? e.message);
    });
  });
}
