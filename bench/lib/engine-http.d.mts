export function socketPath(dockerHost?: string): string;
export class EngineHttpError extends Error {
  status: number;
}
export interface RequestOptions {
  body?: unknown;
  stream?: { pipe(destination: NodeJS.WritableStream): unknown };
  headers?: Record<string, string>;
  /** Statuses that are not errors. */
  ok?: number[];
}
export interface Engine {
  version(): Promise<{ Version: string; ApiVersion: string; Os: string; KernelVersion: string }>;
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  requestText(method: string, path: string, opts?: RequestOptions): Promise<string>;
  requestBuffer(method: string, path: string, opts?: RequestOptions): Promise<Buffer>;
  readonly requests: number;
  close(): void;
}
export function createEngine(options?: { maxSockets?: number; socket?: string }): Engine;
export function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void>;
