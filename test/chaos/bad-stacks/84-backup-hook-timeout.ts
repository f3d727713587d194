// bad: a hook timeout of two days
// expect: resource=backup.nightly field=hooks
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const data = volume('data');
  const store = volume('store');
  const db = container('db', { image: img, command: ['sleep', '3600'] });
  backup('nightly', { volumes: [data], target: store, image: img, schedule: '@daily', hooks: { before: [{ exec: db, command: ['true'], timeout: 172800 }] } }); // ←
});
