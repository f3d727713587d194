/** Network operations, exactly as planned. */
import type { EngineClient } from '../engine/client.js';
import { isNotFound } from '../engine/errors.js';
import { specLabels } from '../model/labels.js';
import { engineName } from '../model/names.js';
import type { NetworkSpec } from '../model/spec.js';
import { isIPv6Subnet } from '../stack/validate/network.js';

export async function createNetwork(client: EngineClient, stack: string, n: NetworkSpec): Promise<void> {
  await client.request('POST', '/networks/create', {
    body: {
      Name: engineName(stack, n.name),
      Driver: n.driver,
      Internal: n.internal,
      Attachable: n.attachable,
      // An IPv6 subnet is ignored by the engine unless IPv6 is enabled on the network.
      ...(isIPv6Subnet(n.subnet) ? { EnableIPv6: true } : {}),
      CheckDuplicate: true,
      IPAM: n.subnet ? { Driver: 'default', Config: [{ Subnet: n.subnet, ...(n.gateway ? { Gateway: n.gateway } : {}) }] } : undefined,
      Labels: { ...n.labels, ...specLabels(stack, n) },
    },
  });
}

export async function deleteNetwork(client: EngineClient, idOrName: string): Promise<void> {
  try {
    await client.request('DELETE', `/networks/${encodeURIComponent(idOrName)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
