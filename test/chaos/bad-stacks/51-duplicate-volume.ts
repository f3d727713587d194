// bad: two volumes named data
// expect: resource=volume.data
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  volume('data');
  volume('data'); // ←
});
