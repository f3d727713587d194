// bad: a mount target that is not absolute
// expect: resource=container.app field=mounts
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const data = volume('data');
  container('app', { image: img, command: ['sleep', '3600'], mounts: [{ volume: data, target: 'data' }] }); // ←
});
