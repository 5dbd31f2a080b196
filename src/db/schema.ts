import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export type Profile = 'responsable_legal' | 'eleve';
export type AccountStatus = 'active' | 'disabled';

export interface AccountsTable {
  id: Generated<string>;
  profile: Profile;
  identifier: string;
  given_name: string;
  family_name: string;
  password_hash: string | null;
  must_change_password: Generated<boolean>;
  status: Generated<AccountStatus>;
  email: string | null;
  email_verified: Generated<boolean>;
  phone: string | null;
  birth_date: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  password_changed_at: NullableTimestamp;
  last_login_at: NullableTimestamp;
}

export interface OidcPayloadsTable {
  kind: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
}

export interface OidcClientsTable {
  client_id: string;
  name: string;
  metadata: Json<Record<string, unknown>>;
  /** The client secret sealed with a key derived from SECRET_KEY (null: legacy row, secret in metadata). */
  secret_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: DefaultTimestamp;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_start: Timestamp;
  blocked_until: NullableTimestamp;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: DefaultTimestamp;
  event: string;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface Database extends RegistryTables, FlowTables, AtenTables {
  accounts: AccountsTable;
  oidc_payloads: OidcPayloadsTable;
  oidc_clients: OidcClientsTable;
  login_throttle: LoginThrottleTable;
  audit_events: AuditEventsTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;

export type EstablishmentKind = 'ecole' | 'college' | 'lycee';

export interface EstablishmentsTable {
  uai: string;
  name: string;
  kind: EstablishmentKind;
  academie: string | null;
  town: string | null;
  updated_at: DefaultTimestamp;
}

export interface PupilsTable {
  id: Generated<string>;
  registry_id: string;
  family_name: string;
  given_name: string;
  birth_date: string;
  level: string | null;
  establishment_uai: string;
  account_id: string | null;
  updated_at: DefaultTimestamp;
}

export interface RepresentativesTable {
  id: Generated<string>;
  registry_id: string;
  family_name: string;
  given_name: string;
  match_name: string;
  mobile: string | null;
  email: string | null;
  account_id: string | null;
  updated_at: DefaultTimestamp;
}

export interface PupilRepresentativesTable {
  pupil_id: string;
  representative_id: string;
  created_at: DefaultTimestamp;
}

export interface AccountPupilsTable {
  account_id: string;
  pupil_id: string;
  bound_at: DefaultTimestamp;
}

export interface PupilLinkReportsTable {
  account_id: string;
  pupil_id: string;
  representative_id: string | null;
  reported_at: DefaultTimestamp;
}

export interface RegistryTables {
  establishments: EstablishmentsTable;
  pupils: PupilsTable;
  representatives: RepresentativesTable;
  pupil_representatives: PupilRepresentativesTable;
  account_pupils: AccountPupilsTable;
  pupil_link_reports: PupilLinkReportsTable;
}

export type FlowType = 'activation' | 'binding';
export type FlowState =
  | 'pending'
  | 'code_sent'
  | 'code_verified'
  | 'password_chosen'
  | 'completed'
  | 'failed';

export interface RegistryFlowsTable {
  id: Generated<string>;
  type: FlowType;
  interaction_uid: string;
  state: FlowState;
  expires_at: Timestamp;
  family_name: string | null;
  given_name: string | null;
  mobile: string | null;
  representative_ids: ColumnType<string[], string | undefined, string>;
  existing_account_id: string | null;
  code_hmac: string | null;
  code_expires_at: NullableTimestamp;
  code_attempts: Generated<number>;
  code_consumed_at: NullableTimestamp;
  sends: Generated<number>;
  last_sent_at: NullableTimestamp;
  password_hash: string | null;
  birth_date_failures: Generated<number>;
  failure_reason: string | null;
  account_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export type OutboxChannel = 'sms' | 'email';
export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxMessagesTable {
  id: Generated<string>;
  channel: OutboxChannel;
  recipient: string;
  /** Sealed (AES-256-GCM, key derived from SECRET_KEY); null once sent or given up. */
  body: string | null;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: DefaultTimestamp;
  last_error: string | null;
  created_at: DefaultTimestamp;
  sent_at: NullableTimestamp;
}

export interface SmsSendCountersTable {
  phone_key: string;
  window_start: Timestamp;
  sends: number;
}

export interface PupilBindingFailuresTable {
  account_id: string;
  pupil_id: string;
  failures: number;
  blocked_at: NullableTimestamp;
  updated_at: DefaultTimestamp;
}

export interface RateLimitsTable {
  key: string;
  hits: ColumnType<Date[], never, never>;
  expires_at: Timestamp;
}

export interface FlowTables {
  registry_flows: RegistryFlowsTable;
  outbox_messages: OutboxMessagesTable;
  sms_send_counters: SmsSendCountersTable;
  pupil_binding_failures: PupilBindingFailuresTable;
  rate_limits: RateLimitsTable;
}

export type RegistryFlow = Selectable<RegistryFlowsTable>;
export type OutboxMessage = Selectable<OutboxMessagesTable>;

/** The ATEN transition: which ATEN account created which EduConnect account (once each). */
export interface AtenTransitionsTable {
  aten_login: string;
  account_id: string;
  created_at: DefaultTimestamp;
}

/** The demo ATEN directory's accounts (src/demo/aten; empty in production). */
export interface AtenDirectoryAccountsTable {
  login: string;
  password_hash: string;
  family_name: string;
  given_name: string;
  vectors: ColumnType<string[], string | undefined, string>;
  updated_at: DefaultTimestamp;
}

/** The demo ATEN directory's CAS service tickets (hashed, single use). */
export interface AtenDirectoryTicketsTable {
  ticket_hash: string;
  login: string;
  service: string;
  expires_at: Timestamp;
}

export interface AtenTables {
  aten_transitions: AtenTransitionsTable;
  aten_directory_accounts: AtenDirectoryAccountsTable;
  aten_directory_tickets: AtenDirectoryTicketsTable;
}
