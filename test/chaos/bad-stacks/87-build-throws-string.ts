// bad: a build function that throws a string (no stack trace: the diagnostic points at the stack() call)
// expect: text=thrown string
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => { // ←
  const img = image('tools', { build: { context: '__TOOLS__' } });
  if (img) throw 'chaos: a thrown string';
});
