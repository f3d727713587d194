// bad: a network by name instead of its handle
// expect: resource=container.app field=networks
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend');
  container('app', { image: img, command: ['sleep', '3600'], networks: ['backend'] }); // ←
});
