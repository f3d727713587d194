// bad: a build context that is a file
// expect: resource=image.app field=context
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  image('app', { build: { context: './stack.ts' } }); // ←
});
