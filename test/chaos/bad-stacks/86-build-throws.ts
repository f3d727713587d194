// bad: a build function that throws
// expect: text=gave up
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  if (img) throw new Error('chaos: the build function gave up'); // ←
});
