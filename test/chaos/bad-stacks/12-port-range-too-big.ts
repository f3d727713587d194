// bad: a range past 65535
// expect: resource=container.app field=ports
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], ports: [{ container: '65530-65540' }] }); // ←
});
