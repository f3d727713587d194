// bad: a bind volume of a directory that does not exist (no create)
// expect: resource=volume.site field=path
import { stack, bind } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  volume('site', { provider: bind({ path: './no-such-dir' }) }); // ←
});
