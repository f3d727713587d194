// bad: two containers named db
// expect: resource=container.db
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('db', { image: img, command: ['sleep', '1'] });
  container('db', { image: img, command: ['sleep', '2'] }); // ←
});
