/**
 * Podman's Docker-compatible API, where it differs from Docker's in what moor relies on
 * (docs/podman.md lists them all). moor tells the two apart by GET /version: Podman names a
 * "Podman Engine" component.
 *
 * Healthchecks: Podman runs them from systemd timers. Without systemd (a container, a CI
 * machine, WSL) no check ever runs and a container stays "starting" for ever, so a dependsOn
 * `healthy` would never be met. While moor waits for a container to be healthy on Podman, it runs
 * the container's own healthcheck through Podman's API (`/libpod/containers/{id}/healthcheck`,
 * which records the result as the timer would) whenever the last check is older than the
 * healthcheck's interval; with working timers the last check is never that old, so nothing runs
 * twice.
 */
import type { EngineClient } from './client.js';

/** Podman answers /version with a "Podman Engine" component (Docker's is "Engine"). */
export function isPodmanVersion(v: { Components?: { Name?: string }[] | null }): boolean {
  return (v.Components ?? []).some((c) => /^podman/i.test(c.Name ?? ''));
}

/**
 * An image reference in Docker's short ("familiar") form: Podman's compatible API lists the images
 * it built or pulled under their full names (`docker.io/library/app:1`), Docker as the user wrote
 * them (`app:1`), and moor's stacks name them the short way.
 */
export function familiarRef(ref: string): string {
  return ref.replace(/^docker\.io\/(library\/)?/, '');
}

/** Docker's and Podman's default healthcheck interval, for a healthcheck declared without one. */
const DEFAULT_INTERVAL_MS = 30_000;

/** The parts of a container inspect that say whether its healthcheck is due. */
export interface HealthcheckTiming {
  Config?: { Healthcheck?: { Interval?: number } | null } | null;
  State: { Running: boolean; StartedAt?: string; Health?: { Status: string; Log?: { End?: string }[] | null } | null };
}

/** Is the next check due at `now`: the last one (or the start, before any) older than the interval? */
export function healthcheckDue(info: HealthcheckTiming, now: number): boolean {
  const st = info.State;
  if (!st.Running || st.Health?.Status !== 'starting') return false;
  const intervalNs = info.Config?.Healthcheck?.Interval ?? 0;
  const intervalMs = intervalNs > 0 ? intervalNs / 1e6 : DEFAULT_INTERVAL_MS;
  const last = Date.parse(st.Health.Log?.at(-1)?.End ?? st.StartedAt ?? '');
  return Number.isNaN(last) || now - last >= intervalMs;
}

/** On Podman, run the container's healthcheck now if it is due (see above); elsewhere nothing. */
export async function runDueHealthcheck(client: EngineClient, id: string, info: HealthcheckTiming): Promise<void> {
  if (!(await client.engineInfo()).podman || !healthcheckDue(info, Date.now())) return;
  // 409: it stopped meanwhile; the wait sees that on its next read.
  await client.request('GET', `/libpod/containers/${encodeURIComponent(id)}/healthcheck`, { okStatuses: [409] });
}
