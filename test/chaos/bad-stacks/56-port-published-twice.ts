// bad: two containers publish the same host port (the engine refuses the second)
// expect: resource=container.b field=ports
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('a', { image: img, command: ['sleep', '3600'], ports: [{ container: 80, host: 18599, hostIp: '127.0.0.1' }] });
  container('b', { image: img, command: ['sleep', '3600'], ports: [{ container: 80, host: 18599, hostIp: '127.0.0.1' }] }); // ←
});
