import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { topoSort } from '../../core/graph.js';
test('topoSort orders deps first', () => {
  assert.equal(topoSort([{ id: 'b', dependsOn: ['a'] }, { id: 'a', dependsOn: [] }]).map((n) => n.id), ['a', 'b']);
});
test.run();
