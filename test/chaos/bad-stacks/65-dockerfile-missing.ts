// bad: a Dockerfile that is not in the context
// expect: resource=image.app field=dockerfile
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  image('app', { build: { context: '__TOOLS__', dockerfile: 'Nope.Dockerfile' } }); // ←
});
