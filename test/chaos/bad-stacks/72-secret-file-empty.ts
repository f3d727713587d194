// bad: an empty secret file
// expect: resource=container.app field=env.TOKEN
// setup: empty-secret
import { stack, secret } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], env: { TOKEN: secret({ file: './empty.secret' }) } }); // ←
});
