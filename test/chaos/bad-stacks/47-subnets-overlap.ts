// bad: two networks of the stack with overlapping subnets (the engine refuses the second)
// expect: resource=network.b field=subnet
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('a', { subnet: '10.234.0.0/16' });
  network('b', { subnet: '10.234.1.0/24' }); // ←
});
