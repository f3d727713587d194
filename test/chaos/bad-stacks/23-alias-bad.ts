// bad: an alias that is not a DNS name
// expect: resource=container.app field=networks
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const backend = network('backend');
  container('app', { image: img, command: ['sleep', '3600'], networks: [{ network: backend, aliases: ['-bad name'] }] }); // ←
});
