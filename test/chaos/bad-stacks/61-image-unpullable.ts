// bad: an image that is not on the engine and cannot be pulled (no registry)
// expect: resource=container.app field=image
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: 'moor-chaos-no-such-image:0.0.1' }); // ←
});
