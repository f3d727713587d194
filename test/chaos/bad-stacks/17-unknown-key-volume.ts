// bad: unknown volume option
// expect: resource=volume.data field=size
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  volume('data', { size: '1g' }); // ←
});
