// bad: a build context that is a symbolic link
// expect: resource=image.app field=context
// gap: symlinked contexts (being fixed)
// setup: symlink-context
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  image('app', { build: { context: './ctx-link' } }); // ←
});
