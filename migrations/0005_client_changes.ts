import { type Kysely, sql } from 'kysely';

/**
 * Every change to a registered service (CLI, psql, another server process) is announced on the
 * `educonnect_clients` channel with the client id, so that each server drops that client from its cache
 * at once: a new client works on the next /auth, a removed one stops working.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function notify_client_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify('educonnect_clients', coalesce(new.client_id, old.client_id));
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger oidc_clients_changed after insert or update or delete on oidc_clients
    for each row execute function notify_client_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists oidc_clients_changed on oidc_clients`.execute(db);
  await sql`drop function if exists notify_client_change()`.execute(db);
}
