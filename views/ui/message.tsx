import { Layout } from './layout.js';

export interface MessagePageProps {
  title: string;
  heading?: string;
  paragraphs: string[];
  link?: { href: string; label: string };
  tone?: 'error' | 'info' | 'success';
}

/** A plain page with a heading, a few paragraphs and at most one way forward. */
export function MessagePage({ title, heading, paragraphs, link, tone = 'info' }: MessagePageProps) {
  return (
    <Layout title={title}>
      <div class={`notice notice-${tone}`}>
        <h1>{heading ?? title}</h1>
        {paragraphs.map((p) => (
          <p key={p}>{p}</p>
        ))}
      </div>
      {link && (
        <p>
          <a class="button-primary" href={link.href}>
            {link.label}
          </a>
        </p>
      )}
    </Layout>
  );
}
