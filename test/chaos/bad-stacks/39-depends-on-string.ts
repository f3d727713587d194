// bad: dependsOn by name
// expect: resource=container.app field=dependsOn
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('db', { image: img, command: ['sleep', '3600'] });
  container('app', { image: img, command: ['sleep', '3600'], dependsOn: ['db'] }); // ←
});
