import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isStopSignal } from '../../../../core/stack/validate/signals.js';
import { stack } from '../../../../core/stack/define.js';
import { normalize } from '../../../fixtures/builders.js';

const signals = suite('validate/signals: stop signals the engine accepts');

signals('Linux signal names, real-time signals and numbers 1–64', () => {
  for (const s of ['SIGTERM', 'SIGKILL', 'SIGQUIT', 'SIGINT', 'SIGUSR1', 'SIGWINCH', 'SIGPWR', 'SIGRTMIN', 'SIGRTMIN+3', 'SIGRTMIN+15', 'SIGRTMAX-14', 'SIGRTMAX', '9', '1', '64']) {
    assert.ok(isStopSignal(s), s);
  }
});

signals('anything else: the engine answers "Invalid signal"', () => {
  for (const s of ['SIGFOO', 'SIG', 'TERM', 'sigterm', 'SIGRTMIN+16', 'SIGRTMAX-15', 'SIGRTMIN+0', '0', '65', '-1', 'SIGTERM ', '']) {
    assert.not.ok(isStopSignal(s), s);
  }
});

signals('in a stack: a diagnostic on the container\'s stopSignal (apply failed half-way before)', () => {
  const { diagnostics } = normalize(stack('shop', ({ container }) => { container('web', { image: 'busybox', stopSignal: 'SIGFOO' }); }));
  assert.equal(diagnostics.map((d) => [d.resource, d.field]), [['container.web', 'stopSignal']]);
  assert.match(diagnostics[0]!.summary, /expected a Linux signal name like "SIGTERM"/);
});

signals.run();
