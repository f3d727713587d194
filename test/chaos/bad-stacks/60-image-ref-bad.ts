// bad: an image reference with upper case and a space
// expect: resource=container.app field=image
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: 'Busy Box:latest' }); // ←
});
