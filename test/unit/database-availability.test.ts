import { describe, expect, it } from 'vitest';
import {
  asDatabaseError,
  DatabaseUnavailableError,
  isDatabaseUnavailable,
} from '../../src/db/availability.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database availability errors', () => {
  it('recognises what a restarting or unreachable PostgreSQL server gives', () => {
    for (const error of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57P03', 'the database system is starting up'),
      pgError('08006'),
      pgError('57014', 'canceling statement due to statement timeout'),
      pgError('53300', 'sorry, too many clients already'),
      pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      pgError('ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated due to connection timeout', { cause: pgError('ETIMEDOUT') }),
      new Error('Query read timeout'),
      new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')], ''),
    ]) {
      expect(isDatabaseUnavailable(error), error.message).toBe(true);
      expect(asDatabaseError(error)).toBeInstanceOf(DatabaseUnavailableError);
    }
  });

  it('leaves bugs and constraint violations alone', () => {
    for (const error of [
      pgError('23505', 'duplicate key value violates unique constraint'),
      pgError('42P01', 'relation "x" does not exist'),
      pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'),
      new TypeError('cannot read properties of undefined'),
    ]) {
      expect(isDatabaseUnavailable(error), error.message).toBe(false);
      expect(asDatabaseError(error)).toBe(error);
    }
  });

  it('is rendered as a 503 by Koa and by oidc-provider', () => {
    const error = new DatabaseUnavailableError(pgError('57P01'));
    expect(error.status).toBe(503);
    expect(error.statusCode).toBe(503);
    expect(error.expose).toBe(false);
    expect(asDatabaseError(error)).toBe(error);
  });
});
