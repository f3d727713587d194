// bad: tmpfs size 'huge'
// expect: resource=volume.cache field=size
import { stack, tmpfs } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  volume('cache', { provider: tmpfs({ size: 'huge' }) }); // ←
});
