// bad: the default export is not a stack
// expect: text=stack
export default { name: '__STACK__' };
