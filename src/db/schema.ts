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

export interface Database
  extends RegistryTables,
    FlowTables,
    AccountTables,
    RecoveryTables,
    SchoolTables,
    FranceConnectTables,
    AtenTables {
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
  /** School console: the report was dealt with (by that staff member). */
  handled_at: NullableTimestamp;
  handled_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RegistryTables {
  establishments: EstablishmentsTable;
  pupils: PupilsTable;
  representatives: RepresentativesTable;
  pupil_representatives: PupilRepresentativesTable;
  account_pupils: AccountPupilsTable;
  pupil_link_reports: PupilLinkReportsTable;
}

export type FlowType = 'activation' | 'binding' | 'franceconnect';
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

// « Mon compte » (issue 12, migration 0006)
export interface EmailConfirmationsTable {
  id: Generated<string>;
  account_id: string;
  email: string;
  /** SHA-256 of the link's token (32 random bytes): the token itself is never stored. */
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: DefaultTimestamp;
}

export type PhoneChangeState = 'code_sent' | 'completed' | 'failed';

export interface PhoneChangesTable {
  id: Generated<string>;
  account_id: string;
  mobile: string;
  state: Generated<PhoneChangeState>;
  code_hmac: string;
  code_expires_at: Timestamp;
  code_attempts: Generated<number>;
  sends: Generated<number>;
  last_sent_at: DefaultTimestamp;
  expires_at: Timestamp;
  created_at: DefaultTimestamp;
}

export interface AccountTables {
  email_confirmations: EmailConfirmationsTable;
  phone_changes: PhoneChangesTable;
}

export type PhoneChange = Selectable<PhoneChangesTable>;

/** School-issued accounts and the school console (migration 0008). */
export interface StaffAccountsTable {
  id: Generated<string>;
  identifier: string;
  display_name: string;
  password_hash: string;
  totp_secret_sealed: string;
  totp_last_step: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  created_at: DefaultTimestamp;
  last_login_at: NullableTimestamp;
}

export interface StaffEstablishmentsTable {
  staff_id: string;
  uai: string;
}

export type StaffSessionStage = 'password' | 'active';

export interface StaffSessionsTable {
  token_hash: string;
  staff_id: string;
  stage: StaffSessionStage;
  totp_failures: Generated<number>;
  expires_at: Timestamp;
  created_at: DefaultTimestamp;
}

export interface AccountNotificationsTable {
  account_id: string;
  uai: string;
  pupil_id: string | null;
  representative_id: string | null;
  issued_by: string | null;
  issued_at: DefaultTimestamp;
  expires_at: Timestamp;
  birth_date_failures: Generated<number>;
  locked_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export type PhoneChangeStatus = 'pending' | 'accepted' | 'rejected';

export interface PhoneChangeRequestsTable {
  id: Generated<string>;
  uai: string;
  representative_id: string;
  pupil_id: string;
  family_name: string;
  given_name: string;
  mobile: string;
  status: Generated<PhoneChangeStatus>;
  handled_by: string | null;
  handled_at: NullableTimestamp;
  created_at: DefaultTimestamp;
}

export interface SchoolTables {
  staff_accounts: StaffAccountsTable;
  staff_establishments: StaffEstablishmentsTable;
  staff_sessions: StaffSessionsTable;
  account_notifications: AccountNotificationsTable;
  phone_change_requests: PhoneChangeRequestsTable;
}

export type StaffAccount = Selectable<StaffAccountsTable>;
export type AccountNotification = Selectable<AccountNotificationsTable>;

/** « Identifiant oublié » / « Mot de passe oublié » (issue 13, migration 0007). */
export type RecoveryKind = 'identifier' | 'password';
export type RecoveryState = 'code_sent' | 'code_verified' | 'completed' | 'failed';

export interface RecoveryFlowsTable {
  id: Generated<string>;
  kind: RecoveryKind;
  channel: OutboxChannel;
  interaction_uid: string;
  state: RecoveryState;
  expires_at: Timestamp;
  typed_name: string;
  recipient: string;
  account_id: string | null;
  code_hmac: string | null;
  code_expires_at: NullableTimestamp;
  code_attempts: Generated<number>;
  sends: Generated<number>;
  last_sent_at: NullableTimestamp;
  failure_reason: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface RecoveryTables {
  recovery_flows: RecoveryFlowsTable;
}

export type RecoveryFlow = Selectable<RecoveryFlowsTable>;

/** FranceConnect (issue 16): logins through FranceConnect and the identities linked to accounts. */
export interface FranceConnectLoginsTable {
  id: Generated<string>;
  interaction_uid: string;
  state_hash: string;
  nonce: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  sub: string | null;
  given_name: string | null;
  family_name: string | null;
  birthdate: string | null;
  id_token: string | null;
  account_id: string | null;
  logout_state_hash: string | null;
  logout_return: string | null;
}

export interface FranceConnectLinksTable {
  sub: string;
  account_id: string;
  created_at: DefaultTimestamp;
  last_login_at: NullableTimestamp;
}

export interface FranceConnectTables {
  franceconnect_logins: FranceConnectLoginsTable;
  franceconnect_links: FranceConnectLinksTable;
}

export type FranceConnectLogin = Selectable<FranceConnectLoginsTable>;

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
