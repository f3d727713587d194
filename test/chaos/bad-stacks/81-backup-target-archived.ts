// bad: the target is one of the archived volumes
// expect: resource=backup.nightly field=target
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const data = volume('data');
  backup('nightly', { volumes: [data], target: data, image: img, schedule: '@daily' }); // ←
});
