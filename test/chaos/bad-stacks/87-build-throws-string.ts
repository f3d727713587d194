// bad: a build function that throws a string
// expect: text=thrown string
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  if (img) throw 'chaos: a thrown string'; // ←
});
