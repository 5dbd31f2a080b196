/**
 * A small scripted browser for HTTP-level tests: a cookie jar (host-only, path-scoped, expiring),
 * manual redirects, and HTML forms read from the page and submitted like a person would.
 */
interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expires?: number;
}

export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

export interface FormData {
  action: string;
  method: string;
  fields: Record<string, string>;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decodeEntities(match[1]!) : undefined;
}

/** Visible text of a page, tags removed: what assertions on wording look at. */
export function textOf(html: string): string {
  return decodeEntities(
    html
      .replace(/<script[\s\S]*?<\/script>/gi, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}

/** Every form of a page with its hidden and pre-filled inputs (checked radios only). */
export function formsOf(html: string, baseUrl: string): FormData[] {
  const forms: FormData[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attrs, body] = match;
    const fields: Record<string, string> = {};
    for (const input of body!.matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attribute(tag, 'name');
      if (!name) continue;
      const type = (attribute(tag, 'type') ?? 'text').toLowerCase();
      if ((type === 'radio' || type === 'checkbox') && !/\schecked/i.test(tag)) continue;
      fields[name] = attribute(tag, 'value') ?? '';
    }
    forms.push({
      action: new URL(attribute(`<x ${attrs}>`, 'action') ?? '', baseUrl).toString(),
      method: (attribute(`<x ${attrs}>`, 'method') ?? 'get').toLowerCase(),
      fields,
    });
  }
  return forms;
}

export class HttpBrowser {
  private readonly jar = new Map<string, StoredCookie[]>();
  /** Every URL visited, redirects included. */
  readonly history: string[] = [];

  constructor(private readonly userAgentIp?: string) {}

  private cookieHeader(url: URL): string {
    const now = Date.now();
    const cookies = (this.jar.get(url.hostname) ?? []).filter(
      (c) =>
        (c.expires === undefined || c.expires > now) &&
        (url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/'),
    );
    return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private store(url: URL, setCookies: string[]) {
    const list = this.jar.get(url.hostname) ?? [];
    for (const header of setCookies) {
      const [pair, ...attrs] = header.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const cookie: StoredCookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), path: '/' };
      for (const attr of attrs) {
        const [key, val = ''] = attr.split('=');
        const lower = key!.toLowerCase();
        if (lower === 'path') cookie.path = val || '/';
        if (lower === 'expires') cookie.expires = Date.parse(val);
        if (lower === 'max-age') cookie.expires = Date.now() + Number(val) * 1000;
      }
      const index = list.findIndex((c) => c.name === cookie.name && c.path === cookie.path);
      if (index >= 0) list.splice(index, 1);
      if (cookie.expires === undefined || cookie.expires > Date.now()) list.push(cookie);
    }
    this.jar.set(url.hostname, list);
  }

  /** The Cookie header this browser sends to `url` (for a raw `fetch`, e.g. a PDF download). */
  cookiesFor(url: string): string {
    return this.cookieHeader(new URL(url));
  }

  cookieNames(host: string): string[] {
    return (this.jar.get(host) ?? []).map((c) => c.name);
  }

  /** Drops every cookie of a host whose name matches (an expired interaction, a new browser...). */
  forget(host: string, match: (name: string) => boolean) {
    this.jar.set(
      host,
      (this.jar.get(host) ?? []).filter((c) => !match(c.name)),
    );
  }

  /**
   * Requests `url` and follows redirects like a browser (303 -> GET), stopping before any URL for
   * which `stopAt` returns true (e.g. a relying party's redirect_uri that nothing serves).
   */
  async request(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      /** A form body already encoded (repeated or bracketed keys, raw bytes...): what a script can send. */
      body?: string;
      headers?: Record<string, string>;
    } = {},
    stopAt: (url: string) => boolean = () => false,
  ): Promise<Page> {
    let current = new URL(url);
    let method = init.method ?? (init.form || init.body !== undefined ? 'POST' : 'GET');
    let body: string | undefined =
      init.body ?? (init.form ? new URLSearchParams(init.form).toString() : undefined);
    for (let hops = 0; hops < 20; hops++) {
      this.history.push(current.toString());
      if (stopAt(current.toString()))
        return { status: 0, url: current.toString(), html: '', headers: new Headers() };
      const headers: Record<string, string> = { ...init.headers };
      const cookie = this.cookieHeader(current);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      if (this.userAgentIp && !headers['x-forwarded-for']) headers['x-forwarded-for'] = this.userAgentIp;
      const response = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.store(current, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        current = new URL(location, current);
        if (response.status !== 307 && response.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return {
        status: response.status,
        url: current.toString(),
        html: await response.text(),
        headers: response.headers,
      };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  get(url: string, stopAt?: (url: string) => boolean) {
    return this.request(url, {}, stopAt);
  }

  /**
   * Submits the form of `page` whose action contains `actionPart`, with its hidden fields and
   * `values` on top (values win; `undefined` removes a field).
   */
  submit(
    page: Page,
    actionPart: string,
    values: Record<string, string | undefined> = {},
    stopAt?: (url: string) => boolean,
  ) {
    const form = formsOf(page.html, page.url).find((f) => f.action.includes(actionPart));
    if (!form)
      throw new Error(
        `no form with action containing ${actionPart} on ${page.url}:\n${textOf(page.html).slice(0, 500)}`,
      );
    const fields: Record<string, string> = { ...form.fields };
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete fields[key];
      else fields[key] = value;
    }
    return this.request(form.action, { method: form.method.toUpperCase(), form: fields }, stopAt);
  }
}
