// bad: a syntax error
import { stack } from 'moor';

export default stack('__STACK__', ({ volume }) => {
  volume('data'; // ←
});
