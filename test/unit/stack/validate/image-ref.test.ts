import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { imageRefProblem } from '../../../../core/stack/validate/image-ref.js';
import { stack } from '../../../../core/stack/define.js';
import { normalize } from '../../../fixtures/builders.js';

const refs = suite('validate/image-ref: the engine\'s reference grammar');
const DIGEST = `sha256:${'a'.repeat(64)}`;

refs('valid references', () => {
  for (const r of [
    'busybox', 'nginx:1.27', 'library/nginx:1.27-alpine', 'ghcr.io/org/app:v2', 'localhost:5000/team/app:v2', 'localhost/app',
    `registry:5000/team/app@${DIGEST}`, `app:1@${DIGEST}`, 'a__b/c-d/e.f_g:_tag', 'my--app', '[::1]:5000/app', 'moor-nonexistent.invalid/none:1',
    `${'a'.repeat(200)}`,
  ]) assert.is(imageRefProblem(r), undefined, r);
});

refs('invalid references say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['Nginx', /must be lower-case/],
    ['team/App:1', /must be lower-case/],
    ['nginx:-bad', /tag "-bad" is not valid/],
    [`nginx:${'a'.repeat(129)}`, /tag .* is not valid/],
    ['nginx@sha256:abc', /needs 64 lower-case hex digits/],
    [`nginx@md5:${'a'.repeat(64)}`, /digest .* is not of the form/],
    ['nginx..x', /repository path component "nginx\.\.x" is not valid/],
    ['-nginx', /path component/],
    ['nginx/', /path component ""/],
    ['myreg:99999/app', /port 99999 is out of range/],
    ['bad_host.io/app', /not a valid host name/],
    ['ngin x', /cannot contain spaces/],
    ['', /empty/],
    ['a'.repeat(64).replace(/a/g, 'f'), /image id/],
    [`${'a'.repeat(256)}`, /longer than 255/],
  ];
  for (const [r, why] of cases) assert.match(imageRefProblem(r) ?? 'valid', why, r);
});

refs('in a stack: the container\'s image field, with the reason', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => { container('web', { image: 'Nginx:1.27' }); }));
  assert.equal(diagnostics.map((d) => [d.resource, d.field, d.summary]), [['container.web', 'image', 'invalid image reference "Nginx:1.27": repository name "Nginx" must be lower-case']]);
});

refs.run();
