// bad: restart: sometimes
// expect: resource=container.app field=restart
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], restart: 'sometimes' }); // ←
});
