// bad: the stack file has no default export
// expect: text=default
import { stack } from 'moor';

export const s = stack('__STACK__', ({ volume }) => {
  volume('data');
});
