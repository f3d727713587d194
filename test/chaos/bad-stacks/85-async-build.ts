// bad: an async build function that declares after an await
// gap: async build functions (lead: being fixed)
import { stack } from 'moor';

export default stack('__STACK__', async ({ image, container }) => { // ←
  const img = image('tools', { build: { context: '__TOOLS__' } });
  await new Promise((r) => setTimeout(r, 10));
  container('late', { image: img, command: ['sleep', '3600'] });
});
