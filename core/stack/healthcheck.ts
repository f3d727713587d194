import type { HealthcheckSpec } from '../model/spec.js';
import type { ContainerOptionsParsed } from './schema/container.js';
import { durationToNanos } from '../model/units.js';

/** A healthcheck as written (containers and services alike) in its canonical form: CMD-SHELL for a string, durations in nanoseconds. */
export function healthcheckSpec(hc: ContainerOptionsParsed['healthcheck']): HealthcheckSpec | null {
  return hc
    ? {
        test: typeof hc.test === 'string' ? ['CMD-SHELL', hc.test] : hc.test,
        intervalNs: hc.interval === undefined ? null : durationToNanos(hc.interval),
        timeoutNs: hc.timeout === undefined ? null : durationToNanos(hc.timeout),
        startPeriodNs: hc.startPeriod === undefined ? null : durationToNanos(hc.startPeriod),
        retries: hc.retries ?? null,
      }
    : null;
}
