// bad: a gateway outside its subnet (the engine refuses)
// expect: resource=network.backend field=gateway
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend', { subnet: '10.231.0.0/24', gateway: '10.232.0.1' }); // ←
});
