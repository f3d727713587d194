// bad: a job with no volumes
// expect: resource=backup.nightly field=volumes
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const store = volume('store');
  backup('nightly', { volumes: [], target: store, image: img, schedule: '@daily' }); // ←
});
