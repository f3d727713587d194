import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { familiarRef, healthcheckDue, isPodmanVersion, type HealthcheckTiming } from '../../../core/engine/podman.js';

const detect = suite('isPodmanVersion');

detect('Podman names a "Podman Engine" component in /version; Docker an "Engine"', () => {
  assert.ok(isPodmanVersion({ Components: [{ Name: 'Podman Engine' }, { Name: 'Conmon' }] }));
  assert.not.ok(isPodmanVersion({ Components: [{ Name: 'Engine' }, { Name: 'containerd' }, { Name: 'runc' }] }));
  assert.not.ok(isPodmanVersion({ Components: null }));
  assert.not.ok(isPodmanVersion({}));
});

detect.run();

const refs = suite('familiarRef');

refs('full docker.io names read as Docker shows them; other registries and localhost/ stay', () => {
  assert.is(familiarRef('docker.io/library/shop-tools:latest'), 'shop-tools:latest');
  assert.is(familiarRef('docker.io/grafana/grafana:11'), 'grafana/grafana:11');
  assert.is(familiarRef('docker.io/library/nginx@sha256:abc'), 'nginx@sha256:abc');
  assert.is(familiarRef('shop-tools:latest'), 'shop-tools:latest');
  assert.is(familiarRef('localhost/shop-tools:latest'), 'localhost/shop-tools:latest');
  assert.is(familiarRef('quay.io/podman/stable:v4'), 'quay.io/podman/stable:v4');
});

refs.run();

const due = suite('healthcheckDue');

const NOW = Date.parse('2026-12-06T05:00:10Z');
const at = (s: number) => new Date(NOW - s * 1000).toISOString();
const timing = (o: { running?: boolean; status?: string; intervalNs?: number; startedAgo?: number; lastAgo?: number }): HealthcheckTiming => ({
  Config: { Healthcheck: o.intervalNs === undefined ? null : { Interval: o.intervalNs } },
  State: {
    Running: o.running ?? true,
    StartedAt: at(o.startedAgo ?? 0),
    Health: { Status: o.status ?? 'starting', Log: o.lastAgo === undefined ? null : [{ End: at(o.lastAgo) }] },
  },
});

due('a starting container is due once its interval passed since the last check, or since it started', () => {
  assert.ok(healthcheckDue(timing({ intervalNs: 500e6, startedAgo: 1 }), NOW));
  assert.not.ok(healthcheckDue(timing({ intervalNs: 5e9, startedAgo: 1 }), NOW));
  assert.ok(healthcheckDue(timing({ intervalNs: 1e9, startedAgo: 60, lastAgo: 2 }), NOW));
  // A timer that ran the check a moment ago: not due, nothing runs twice.
  assert.not.ok(healthcheckDue(timing({ intervalNs: 1e9, startedAgo: 60, lastAgo: 0.2 }), NOW));
});

due('without an interval, the engines\' default of 30 s', () => {
  assert.not.ok(healthcheckDue(timing({ startedAgo: 20 }), NOW));
  assert.ok(healthcheckDue(timing({ startedAgo: 31 }), NOW));
});

due('never for a container that is not running, already judged, or has no healthcheck', () => {
  assert.not.ok(healthcheckDue(timing({ running: false, startedAgo: 60 }), NOW));
  assert.not.ok(healthcheckDue(timing({ status: 'healthy', startedAgo: 60 }), NOW));
  assert.not.ok(healthcheckDue(timing({ status: 'unhealthy', startedAgo: 60 }), NOW));
  assert.not.ok(healthcheckDue(timing({ status: '', startedAgo: 60 }), NOW));
});

due.run();
