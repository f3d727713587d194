import { z } from 'zod';
import { labels } from './common.js';
import { allowDataLoss, migrate, protect } from './lifecycle.js';

/** What a provider function (local(), tmpfs(), …) returns: validated by the provider's own schema. */
export interface ProviderSpec<O = unknown> {
  readonly provider: string;
  readonly options: O;
}

export const providerSpecSchema = z.custom<ProviderSpec>(
  (v) => typeof v === 'object' && v !== null && typeof (v as ProviderSpec).provider === 'string',
  { message: 'expected a storage provider, e.g. local()' },
);

export const volumeOptionsSchema = z.strictObject({
  /** Where the data lives; local() by default. */
  provider: providerSpecSchema.optional(),
  labels: labels.optional(),
  /** Lifecycle: refuse to delete or replace this volume, even with --allow-data-loss or destroy --volumes. */
  protect,
  /** Lifecycle: when the volume must be replaced (provider, driver or options changed), copy its data across. */
  migrate,
  /** Lifecycle: deleting or replacing this volume and its data needs no --allow-data-loss. */
  allowDataLoss,
});

export type VolumeOptions = z.input<typeof volumeOptionsSchema>;
