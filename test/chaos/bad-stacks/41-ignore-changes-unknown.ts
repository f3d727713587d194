// bad: ignoreChanges on an attribute that does not exist
// expect: resource=container.app field=ignoreChanges
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], ignoreChanges: ['colour'] }); // ←
});
