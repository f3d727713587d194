// bad: a network driver the engine does not have
// expect: resource=network.backend field=driver
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend', { driver: 'nosuchdriver' }); // ←
});
