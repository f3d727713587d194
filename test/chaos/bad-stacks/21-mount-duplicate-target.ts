// bad: two mounts on one target (the engine refuses: duplicate mount point)
// expect: resource=container.app field=mounts
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const a = volume('a');
  const b = volume('b');
  container('app', { image: img, command: ['sleep', '3600'], mounts: [{ volume: a, target: '/data' }, { volume: b, target: '/data' }] }); // ←
});
