// bad: a build context that is a symbolic link to nothing (a link to a directory is followed, as docker build does)
// expect: resource=image.app field=context
// setup: dangling-context
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  image('app', { build: { context: './ctx-link' } }); // ←
});
