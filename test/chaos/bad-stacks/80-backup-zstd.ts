// bad: compression zstd
// expect: resource=backup.nightly field=compression
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const data = volume('data');
  const store = volume('store');
  backup('nightly', { volumes: [data], target: store, image: img, schedule: '@daily', compression: 'zstd' }); // ←
});
