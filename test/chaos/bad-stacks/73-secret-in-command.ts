// bad: a secret in the command (only env takes secrets)
// expect: resource=container.app field=command
import { stack, secret } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['echo', secret('MOOR_CHAOS_SECRET')] }); // ←
});
