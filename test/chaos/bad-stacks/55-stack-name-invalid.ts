// bad: a stack name with a space
// expect: text=Bad Stack
import { stack } from 'moor';

export default stack('Bad Stack', ({ container }) => { // ←
  container('app', { image: 'busybox' });
});
