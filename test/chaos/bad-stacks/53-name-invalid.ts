// bad: a container name with a space and "!"
// expect: text=Bad Name
import { stack } from 'moor';

export default stack('__STACK__', ({ image, network, volume, container, backup }) => {
  const img = image('tools', { build: { context: '__TOOLS__' } });
  container('Bad Name!', { image: img }); // ←
});
