/**
 * moor's helper containers (migration helpers, backup workers: labelled moor.helper=1) are removed
 * by the run that made them; a run that was killed leaves them behind, holding volumes and images
 * in use. Before a volume or an image is deleted, helpers still using it go: they never hold
 * anything of the user's.
 */
import type { EngineClient } from '../engine/client.js';
import { HELPER_LABEL } from '../volume-data/helper-image.js';

export async function removeLeftoverHelpers(client: EngineClient, using: { volumes: string[] } | { image: string }): Promise<void> {
  const filters = { label: [`${HELPER_LABEL}=1`], ...('volumes' in using ? { volume: using.volumes } : { ancestor: [using.image] }) };
  const leftovers = await client.request<{ Id: string }[]>('GET', '/containers/json', { query: { all: 1, filters: JSON.stringify(filters) } });
  for (const c of leftovers) await client.request('DELETE', `/containers/${c.Id}`, { query: { force: true }, okStatuses: [404] });
}
