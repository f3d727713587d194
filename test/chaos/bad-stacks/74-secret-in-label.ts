// bad: a secret as a label value
// expect: resource=container.app field=labels
import { stack, secret } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], labels: { token: secret('MOOR_CHAOS_SECRET') } }); // ←
});
