// bad: a build function calling a function that does not exist
// expect: text=boom
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  (img as unknown as { boom(): void }).boom(); // ←
});
