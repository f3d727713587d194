// bad: a gateway without a subnet
// expect: resource=network.backend field=gateway
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend', { gateway: '10.233.0.1' }); // ←
});
