import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * The local FranceConnect keeps its sessions, codes and tokens in this process's memory: it is a
 * development stand-in, and a restart forgetting them is what one expects of it. (Passing our own
 * adapter also tells oidc-provider the choice is deliberate.)
 */
export function memoryAdapterFactory(): (name: string) => Adapter {
  const store = new Map<string, Entry>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.payload : undefined;
  };
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        store.set(key(id), { payload, expiresAt: Date.now() + (expiresIn ?? 3600) * 1000 });
      },
      async find(id) {
        return live(key(id));
      },
      async findByUid(uid) {
        for (const [k, entry] of store)
          if (k.startsWith(`${name}:`) && entry.payload.uid === uid) return live(k);
        return undefined;
      },
      async findByUserCode(userCode) {
        for (const [k, entry] of store)
          if (k.startsWith(`${name}:`) && entry.payload.userCode === userCode) return live(k);
        return undefined;
      },
      async consume(id) {
        const payload = live(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k);
      },
    };
  };
}
