// bad: a bind volume of /
// expect: resource=volume.root field=path
import { stack, bind } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  volume('root', { provider: bind({ path: '/' }) }); // ←
});
