// bad: a range that runs backwards
// expect: resource=container.app field=ports
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], ports: [{ container: '8010-8000' }] }); // ←
});
