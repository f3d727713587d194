// bad: provider: 'local' (a string, not local())
// expect: resource=volume.data field=provider
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  volume('data', { provider: 'local' }); // ←
});
