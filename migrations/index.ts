import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_registry.js';
import * as m0003 from './0003_activation_outbox.js';
import * as m0004 from './0004_hardening.js';
import * as m0005 from './0005_client_changes.js';
import * as m0011 from './0011_aten.js';

/** Every migration, in order. A landed migration is never edited: add a new file instead. */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_registry': m0002,
  '0003_activation_outbox': m0003,
  '0004_hardening': m0004,
  '0005_client_changes': m0005,
  '0011_aten': m0011,
};
