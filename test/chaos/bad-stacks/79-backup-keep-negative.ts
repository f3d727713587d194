// bad: keep last -1
// expect: resource=backup.nightly field=keep
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const data = volume('data');
  const store = volume('store');
  backup('nightly', { volumes: [data], target: store, image: img, schedule: '@daily', keep: { last: -1 } }); // ←
});
