// bad: unknown build option
// expect: resource=image.app field=target
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  image('app', { build: { context: '__TOOLS__', target: 'prod' } }); // ←
});
