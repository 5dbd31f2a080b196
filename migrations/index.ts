import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_registry.js';
import * as m0003 from './0003_activation_outbox.js';
import * as m0004 from './0004_hardening.js';
import * as m0005 from './0005_client_changes.js';
import * as m0006 from './0006_account.js';
import * as m0007 from './0007_recovery.js';
import * as m0008 from './0008_school.js';
import * as m0010 from './0010_franceconnect.js';
import * as m0011 from './0011_aten.js';

/** Every migration, in order. A landed migration is never edited: add a new file instead. */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_registry': m0002,
  '0003_activation_outbox': m0003,
  '0004_hardening': m0004,
  '0005_client_changes': m0005,
  '0006_account': m0006,
  '0007_recovery': m0007,
  '0008_school': m0008,
  '0010_franceconnect': m0010,
  '0011_aten': m0011,
};
