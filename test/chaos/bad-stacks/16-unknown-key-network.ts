// bad: unknown network option
// expect: resource=network.backend field=mtu
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  network('backend', { mtu: 1500 }); // ←
});
