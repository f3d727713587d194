import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explainStartError, VolumeMountError } from '../../../core/apply/mount-error.js';
import { EngineError } from '../../../core/engine/errors.js';
import { nfs } from '../../../providers/index.js';
import { containerSpec, desired } from '../../fixtures/builders.js';

/** volume share (nfs) · volume logs (local) · container app mounting share at /mnt/share */
const d = desired('shop', ({ volume, container }) => {
  const share = volume('share', { provider: nfs({ server: '192.0.2.10', path: '/exports/share', options: ['hard'] }) });
  volume('logs');
  container('app', { image: 'nginx:1.27', mounts: [{ volume: share, target: '/mnt/share' }] });
});
const app = containerSpec(d, 'app');
const START = 'POST /containers/shop-app/start';
const NO_NFS = "error while mounting volume '/var/lib/docker/volumes/shop-share/_data': failed to mount local volume: " +
  'mount :/exports/share:/var/lib/docker/volumes/shop-share/_data, flags: 0x0, data: addr=192.0.2.10,nfsvers=4,hard: no such device';

const explain = suite('explainStartError');

explain('a volume that cannot be mounted: the container, the volume, what it is and why, then the engine\'s text', () => {
  const e = explainStartError(new EngineError(500, NO_NFS, START), d, app);
  assert.instance(e, VolumeMountError);
  assert.is((e as Error).message, [
    'container shop-app could not start: volume shop-share (NFS v4 192.0.2.10:/exports/share, options hard) could not be mounted at /mnt/share: ' +
      'the engine\'s host cannot mount NFS: its kernel has no NFS client (the kernel said "no such device").',
    `  The engine said: ${NO_NFS}`,
  ].join('\n'));
});

explain('a mount error the provider has no words for still names the volume', () => {
  const raw = NO_NFS.replace('no such device', 'stale file handle');
  const e = explainStartError(new EngineError(500, raw, START), d, app) as Error;
  assert.match(e.message, 'volume shop-share (NFS v4 192.0.2.10:/exports/share, options hard) could not be mounted at /mnt/share: the engine refused the mount.');
});

explain('other errors pass through unchanged', () => {
  const notMount = new EngineError(500, 'driver failed programming external connectivity', START);
  const otherVolume = new EngineError(500, NO_NFS.replaceAll('shop-share', 'shop-logs'), START);
  const plain = new Error('no such device');
  for (const e of [notMount, otherVolume, plain]) assert.is(explainStartError(e, d, app), e);
});

explain.run();
