/**
 * Lifecycle rules: how moor may change a resource, declared next to its other options.
 * They are not engine attributes: changing a rule never changes the resource.
 */
import { z } from 'zod';

/** The plan refuses to delete or replace the resource (destroy included). */
export const protect = z.boolean().optional();

/** Attribute paths whose changes are not planned: 'env.BUILD_ID', 'labels', 'image', 'resources.memory'. */
export const ignoreChanges = z.array(z.string().min(1)).optional();

/** How a container is replaced: the new one first (default), or the old one removed first. */
export const replaceOrder = z.enum(['create-before-destroy', 'delete-before-create']).optional();

/** A volume replacement copies the data into the new volume instead of refusing. */
export const migrate = z.boolean().optional();

/** Deleting or replacing this volume (and its data) needs no --allow-data-loss. */
export const allowDataLoss = z.boolean().optional();
