// bad: tmpfs mount mode out of range
// expect: resource=container.app field=mounts
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], mounts: [{ tmpfs: { mode: 0o70000 }, target: '/tmp' }] }); // ←
});
