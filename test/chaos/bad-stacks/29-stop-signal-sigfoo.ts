// bad: stop signal SIGFOO (no such signal: the engine refuses the container)
// expect: resource=container.app field=stopSignal
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('app', { image: img, command: ['sleep', '3600'], stopSignal: 'SIGFOO' }); // ←
});
