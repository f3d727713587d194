// bad: subnet 10.0.0.0/33
// expect: resource=network.backend field=subnet
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend', { subnet: '10.0.0.0/33' }); // ←
});
