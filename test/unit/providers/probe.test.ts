import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { probeTcp } from '../../../providers/probe.js';
import { closedPort, openPort } from '../../fixtures/builders.js';

const probe = suite('probeTcp');

probe('a listening port is "open"', async () => {
  const server = await openPort();
  try {
    assert.is(await probeTcp('127.0.0.1', server.port, 2000), 'open');
  } finally {
    await server.close();
  }
});

probe('a closed port is "connection refused", in plain words', async () => {
  assert.is(await probeTcp('127.0.0.1', await closedPort(), 2000), 'connection refused');
});

probe.run();
