// bad: two networks named backend
// expect: resource=network.backend
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend');
  network('backend', { internal: true }); // ←
});
