// bad: a network handle where a volume is expected
// expect: resource=container.app field=mounts
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const backend = network('backend');
  container('app', { image: img, command: ['sleep', '3600'], mounts: [{ volume: backend, target: '/data' }] }); // ←
});
