/**
 * pullPolicy is a container option about its image resource: 'missing' (the default, pull when
 * absent), 'always' (pull when the registry has another image than the engine: see plan/image.ts),
 * 'never' (a missing image is a plan error), 'build' (the image must be one the stack builds).
 * The policy is kept on the (implicit) image resource; two containers asking opposite things
 * of one image are an error.
 */
import { error, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { ContainerSpec, DesiredStack } from '../model/spec.js';
import type { ContainerOptionsParsed } from './schema/container.js';

export function imagePullPolicy(
  stack: DesiredStack, c: ContainerSpec, o: ContainerOptionsParsed, where: { resource: string; location: SourceLocation }, diags: Diagnostic[],
): void {
  const policy = o.pullPolicy;
  if (policy === undefined || policy === 'missing') return;
  const field = 'pullPolicy';
  const img = stack.images.find((i) => i.name === c.image);
  if (!img) return; // an invalid reference or an undeclared image, reported elsewhere
  const built = !!img.build;
  if (policy === 'build') {
    if (!built) diags.push(error(`pullPolicy "build" needs an image the stack builds (an image('NAME', { build: … }) handle), but ${c.image} is pulled`, { ...where, field }));
    return;
  }
  if (built) {
    diags.push(error(`pullPolicy "${policy}" is for pulled images: image "${c.image}" is built by this stack (use "build", or leave it out)`, { ...where, field }));
    return;
  }
  if (img.pull && img.pull.policy !== policy) {
    diags.push(error(`pullPolicy "${policy}" contradicts pullPolicy "${img.pull.policy}" of container "${img.pull.container}" for the same image ${c.image}`, { ...where, field }));
    return;
  }
  img.pull ??= { policy, container: c.name };
}
