// bad: two backup jobs named nightly
// expect: resource=backup.nightly
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  const data = volume('data');
  backup('nightly', { volumes: [data], target: { hostPath: '/tmp/moor-chaos-never' }, schedule: '@daily', image: img });
  backup('nightly', { volumes: [data], target: { hostPath: '/tmp/moor-chaos-never' }, schedule: '@hourly', image: img }); // ←
});
