// bad: a build function that declares from a promise it does not await (an async build function that awaits is fine)
// expect: resource=container.late
import { stack } from 'moor';

export default stack('__STACK__', ({ image, container }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  void new Promise((r) => setTimeout(r, 10)).then(() => container('late', { image: img, command: ['sleep', '3600'] })); // ←
});
