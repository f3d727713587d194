/**
 * Checks across resources of a normalized stack for what the engine would refuse at create time,
 * so that plan reports it and apply changes nothing. Checks of one field live in the schemas.
 */
import type { Diagnostic } from '../../diagnostics.js';
import type { DesiredStack } from '../../model/spec.js';
import { checkMountTargets, checkSharedHostPorts } from './container.js';
import { checkSubnetOverlaps } from './network.js';
import { checkFixedAddresses, checkHostNetworkSysctls, checkSharedNamespaceOptions } from './runtime.js';

export function validateStack(stack: DesiredStack, diags: Diagnostic[]): void {
  checkSubnetOverlaps(stack, diags);
  checkMountTargets(stack, diags);
  checkSharedHostPorts(stack, diags);
  checkFixedAddresses(stack, diags);
  checkHostNetworkSysctls(stack, diags);
  checkSharedNamespaceOptions(stack, diags);
}
