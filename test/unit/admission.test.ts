import { describe, expect, it } from 'vitest';
import { FLOW_ENTRANCES } from '../../src/compose.js';
import { Admission } from '../../src/http/admission.js';

describe('admission control', () => {
  it('treats new authorization requests and the activation entrance as flow entrances only', () => {
    const admission = new Admission({
      maxEventLoopDelayMs: 0,
      maxInFlight: 0,
      hashQueueFull: () => false,
      entrances: FLOW_ENTRANCES,
    });
    const isFlowEntrance = (method: string, path: string) => admission.isEntrance(method, path);
    expect(isFlowEntrance('GET', '/auth')).toBe(true);
    expect(isFlowEntrance('POST', '/auth')).toBe(true);
    expect(isFlowEntrance('GET', '/interaction/abc/activation')).toBe(true);
    for (const [method, path] of [
      ['GET', '/auth/abc'], // resume of an admitted interaction
      ['POST', '/token'],
      ['GET', '/me'],
      ['GET', '/interaction/abc'],
      ['GET', '/interaction/abc/login/responsable_legal'],
      ['POST', '/interaction/abc/login'],
      ['POST', '/interaction/abc/activation/identite'],
      ['GET', '/interaction/abc/activation/code'],
      ['GET', '/healthz'],
      ['GET', '/.well-known/openid-configuration'],
    ] as const) {
      expect(isFlowEntrance(method, path), `${method} ${path}`).toBe(false);
    }
    admission.close();
  });

  it('is overloaded when the hash queue is full or when forced, not otherwise', () => {
    let full = false;
    const admission = new Admission({ maxEventLoopDelayMs: 0, maxInFlight: 0, hashQueueFull: () => full });
    expect(admission.overloaded).toBe(false);
    full = true;
    expect(admission.overloaded).toBe(true);
    admission.force(false);
    expect(admission.overloaded).toBe(false);
    full = false;
    admission.force(true);
    expect(admission.overloaded).toBe(true);
    admission.force(undefined);
    expect(admission.overloaded).toBe(false);
    admission.close();
  });

  it('is overloaded while more requests than maxInFlight are in progress', () => {
    const admission = new Admission({ maxEventLoopDelayMs: 0, maxInFlight: 2, hashQueueFull: () => false });
    admission.inFlight = 2;
    expect(admission.overloaded).toBe(false);
    admission.inFlight = 3;
    expect(admission.overloaded).toBe(true);
    admission.close();
  });
});
