import { Layout } from '../ui/layout.js';

/** One topic of the help page: a heading, what to know, and the steps when there are steps. */
export interface HelpTopic {
  /** Anchor on the help page and path of the topic's own page (`/aide/<id>`). */
  id: string;
  title: string;
  paragraphs: string[];
  steps?: string[];
}

function Topic({ topic, level }: { topic: HelpTopic; level: 'h1' | 'h2' }) {
  const Heading = level;
  return (
    <section id={topic.id} aria-labelledby={`${topic.id}-titre`}>
      <Heading id={`${topic.id}-titre`}>{topic.title}</Heading>
      {topic.paragraphs.map((p) => (
        <p key={p}>{p}</p>
      ))}
      {topic.steps && (
        <ol class="bullets">
          {topic.steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** « Page d'aide ÉduConnect »: every topic, with a table of contents. */
export function HelpPage({ topics }: { topics: HelpTopic[] }) {
  return (
    <Layout title="Page d'aide ÉduConnect">
      <h1>Page d'aide ÉduConnect</h1>
      <nav aria-label="Sommaire">
        <ul>
          {topics.map((topic) => (
            <li key={topic.id}>
              <a href={`#${topic.id}`}>{topic.title}</a>
            </li>
          ))}
        </ul>
      </nav>
      {topics.map((topic) => (
        <Topic key={topic.id} topic={topic} level="h2" />
      ))}
    </Layout>
  );
}

/** One topic on its own page (the password step links to its advice). */
export function HelpTopicPage({ topic }: { topic: HelpTopic }) {
  return (
    <Layout title={`${topic.title} - Page d'aide`}>
      <Topic topic={topic} level="h1" />
      <p>
        <a href="/aide">Toute la page d'aide ÉduConnect</a>
      </p>
    </Layout>
  );
}
