import type { Context } from 'koa';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { MessagePage, type MessagePageProps } from '../../views/ui/message.js';

/** Renders a page component to HTML; interaction and account pages are never cached. */
// biome-ignore lint/suspicious/noExplicitAny: any page component
export function renderPage(ctx: Context, page: VNode<any>, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `<!doctype html>${renderToString(page)}`;
}

export function renderMessage(ctx: Context, props: MessagePageProps, status = 200): void {
  renderPage(ctx, MessagePage(props), status);
}
