// bad: a build context that does not exist
// expect: resource=image.app field=context
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  image('app', { build: { context: './no-such-dir' } }); // ←
});
