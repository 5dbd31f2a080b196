import { Client } from 'undici';

/** One cookie as a browser keeps it: value and path scope (expiry handled by deletion). */
interface StoredCookie {
  value: string;
  path: string;
}

/** A per-virtual-user cookie jar: enough of RFC 6265 for one host (path scoping, deletion). */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(setCookie: string | string[] | undefined, requestPath: string): void {
    if (!setCookie) return;
    for (const header of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = requestPath.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, val = ''] = attribute.split('=');
        const k = key!.trim().toLowerCase();
        if (k === 'path') path = val.trim() || '/';
        else if (k === 'max-age' && Number(val) <= 0) expired = true;
        else if (k === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { value, path });
    }
  }

  header(requestPath: string): string | undefined {
    const parts: string[] = [];
    for (const [key, cookie] of this.cookies) {
      const p = cookie.path;
      if (requestPath === p || requestPath.startsWith(p.endsWith('/') ? p : `${p}/`) || p === '/') {
        parts.push(`${key.slice(0, key.indexOf('\u0000'))}=${cookie.value}`);
      }
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  clear(): void {
    this.cookies.clear();
  }
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  location: string | undefined;
}

export class UnexpectedResponse extends Error {
  constructor(
    readonly step: string,
    readonly response: Response,
  ) {
    super(`${step}: HTTP ${response.status}`);
    this.name = 'UnexpectedResponse';
  }
}

/** A virtual user's browser: one keep-alive connection to the server and its own cookie jar. */
export class VirtualBrowser {
  readonly jar = new CookieJar();
  private readonly client: Client;

  constructor(readonly origin: string) {
    this.client = new Client(origin, { keepAliveTimeout: 60_000, pipelining: 1 });
  }

  async request(
    method: 'GET' | 'POST',
    target: string,
    options: { form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = new URL(target, this.origin);
    const path = url.pathname + url.search;
    const headers: Record<string, string> = { ...options.headers };
    const cookie = this.jar.header(url.pathname);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.client.request({ method, path, headers, body });
    const text = await res.body.text();
    this.jar.store(res.headers['set-cookie'], url.pathname);
    const location = res.headers.location;
    return {
      status: res.statusCode,
      headers: res.headers,
      body: text,
      location: typeof location === 'string' ? location : undefined,
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The value of a hidden input in an HTML form. */
export function hiddenField(html: string, name: string): string | undefined {
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  return input ? /value="([^"]*)"/.exec(input)?.[1] : undefined;
}
