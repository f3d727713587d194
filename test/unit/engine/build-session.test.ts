import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { grpcFrame, secretIdOf, secretResponse } from '../../../core/engine/build-session.js';

const proto = suite('build session: gRPC frames and protobufs');

proto('the secret id of a GetSecretRequest, as BuildKit sends it (annotations skipped)', () => {
  // As captured from dockerd 20.10: frame header, then field 1 "npm".
  assert.is(secretIdOf(Buffer.from('00000000050a036e706d', 'hex')), 'npm');
  // Field 2 (an annotations map entry { 'k': '' }) before field 1 "id".
  const msg = Buffer.from('1205' + '0a016b1200' + '0a026964', 'hex');
  assert.is(secretIdOf(grpcFrame(msg)), 'id');
});

proto('a response carries the value as field 1 bytes, with a multi-byte length for large values', () => {
  assert.equal([...secretResponse(Buffer.from('ab'))], [0x0a, 0x02, 0x61, 0x62]);
  const big = secretResponse(Buffer.alloc(300, 1));
  assert.equal([...big.subarray(0, 3)], [0x0a, 0xac, 0x02]);
  assert.is(big.length, 303);
  const frame = grpcFrame(Buffer.from('xyz'));
  assert.equal([...frame.subarray(0, 5)], [0, 0, 0, 0, 3]);
});

proto.run();
