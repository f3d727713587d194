// bad: a ↔ b through dependsOn arrays filled after the calls
// expect: text=cycle
import { stack, type ContainerHandle } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const later: ContainerHandle[] = [];
  const a = container('a', { image: img, command: ['sleep', '3600'], dependsOn: later }); // ←
  const b = container('b', { image: img, command: ['sleep', '3600'], dependsOn: [a] });
  later.push(b);
});
