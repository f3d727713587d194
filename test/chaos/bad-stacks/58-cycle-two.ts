// bad: two separate cycles: a ↔ b and c ↔ d (both must be reported)
// expect: text=c → d|d → c
import { stack, type ContainerHandle } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const la: ContainerHandle[] = [];
  const lc: ContainerHandle[] = [];
  const a = container('a', { image: img, command: ['sleep', '3600'], dependsOn: la }); // ←
  const b = container('b', { image: img, command: ['sleep', '3600'], dependsOn: [a] });
  const c = container('c', { image: img, command: ['sleep', '3600'], dependsOn: lc });
  const d = container('d', { image: img, command: ['sleep', '3600'], dependsOn: [c] });
  la.push(b);
  lc.push(d);
});
