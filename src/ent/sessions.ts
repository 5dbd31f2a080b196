import { randomBytes } from 'node:crypto';
import type { PortalUser } from './portal.js';

/** A login sent to the IdP and not back yet: what the callback must check. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  startedAt: number;
}

/** The ENT's own session: who is connected and where. Tokens stay here, never in the browser. */
export interface EntSession {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  pendingLogin?: PendingLogin;
  user?: PortalUser;
  /** `sub` of the ID token (pairwise for this ENT): what back-channel logout names. */
  subject?: string;
  /** `sid` of the ID token when the IdP sends one. */
  idpSessionId?: string;
  /** Kept for RP-initiated logout (id_token_hint). */
  idToken?: string;
  loggedInAt?: number;
  /** UAI of the establishment being viewed. */
  establishmentUai?: string;
}

export interface SessionLimits {
  idleSeconds: number;
  maxSeconds: number;
  loginTtlSeconds: number;
}

/**
 * In-memory session store with idle and absolute expiry. Enough for the demo ENT, which runs as a
 * single process: a restart logs everybody out. A real ENT would keep the same records in Redis or
 * its database, keyed by the same random id.
 */
export class SessionStore {
  private readonly sessions = new Map<string, EntSession>();
  private readonly timer: NodeJS.Timeout;
  /** The store's time (tests move it forward). */
  readonly clock: () => number;

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.clock = now;
    this.timer = setInterval(() => this.purge(), 60_000);
    this.timer.unref();
  }

  create(): EntSession {
    const at = this.now();
    const session: EntSession = { id: randomBytes(32).toString('base64url'), createdAt: at, lastSeenAt: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id, touched; undefined when unknown or expired (then forgotten). */
  find(id: string | undefined): EntSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.expired(session)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = this.now();
    return session;
  }

  /** A new id for the same data (after login: the id used before authentication is never trusted after). */
  rotate(session: EntSession): EntSession {
    this.sessions.delete(session.id);
    const at = this.now();
    const renewed = { ...session, id: randomBytes(32).toString('base64url'), createdAt: at, lastSeenAt: at };
    this.sessions.set(renewed.id, renewed);
    return renewed;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Back-channel logout: ends every session of this IdP subject (and IdP session, when named). */
  destroyMatching(subject: string | undefined, idpSessionId: string | undefined): number {
    if (subject === undefined && idpSessionId === undefined) return 0;
    let ended = 0;
    for (const [id, session] of this.sessions) {
      if (session.subject === undefined) continue;
      if (subject !== undefined && session.subject !== subject) continue;
      if (idpSessionId !== undefined && session.idpSessionId !== idpSessionId) continue;
      this.sessions.delete(id);
      ended++;
    }
    return ended;
  }

  /** Records the checks of a login sent to the IdP, stamped by the store's clock. */
  beginLogin(session: EntSession, checks: Omit<PendingLogin, 'startedAt'>): void {
    session.pendingLogin = { ...checks, startedAt: this.now() };
  }

  pendingLoginExpired(login: PendingLogin): boolean {
    return this.now() - login.startedAt > this.limits.loginTtlSeconds * 1000;
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(session: EntSession): boolean {
    const at = this.now();
    return (
      at - session.lastSeenAt > this.limits.idleSeconds * 1000 ||
      at - session.createdAt > this.limits.maxSeconds * 1000
    );
  }

  purge(): void {
    for (const [id, session] of this.sessions) if (this.expired(session)) this.sessions.delete(id);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
