// bad: a secret from an environment variable that is not set
// expect: resource=container.app field=env.TOKEN
import { stack, secret } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], env: { TOKEN: secret('MOOR_CHAOS_UNSET_SECRET') } }); // ←
});
