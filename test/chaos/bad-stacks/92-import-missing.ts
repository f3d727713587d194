// bad: an import of a module that does not exist
// expect: text=no-such-module
import { stack } from 'moor';
import { helper } from './no-such-module.js'; // ←

export default stack('__STACK__', ({ volume }) => {
  volume(helper);
});
