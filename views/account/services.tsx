import { CsrfInput } from '../ui/components.js';
import { AccountFrame, type AccountFrameProps } from './frame.js';

export interface ConnectedServiceView {
  clientId: string;
  name: string;
  /** « le 2 décembre 2026 » */
  since: string;
  lastUse: string | null;
  /** What the service receives, in words. */
  data: string[];
}

export interface AccountServicesProps extends Omit<AccountFrameProps, 'title' | 'section' | 'children'> {
  services: ConnectedServiceView[];
}

/** « Services connectés »: who received this account's identity, what, and « Retirer l'accès ». */
export function AccountServicesPage(props: AccountServicesProps) {
  return (
    <AccountFrame {...props} title="Services connectés" section="services">
      <h1>Services connectés</h1>
      <p>
        Les services ci-dessous ont reçu votre identité ÉduConnect. Retirer l'accès d'un service le déconnecte
        et l'empêche d'obtenir à nouveau vos informations sans que vous vous reconnectiez.
      </p>
      {props.services.length === 0 ? (
        <p>Aucun service n'a accès à votre compte.</p>
      ) : (
        props.services.map((s) => (
          <section class="service-card" key={s.clientId} aria-labelledby={`service-${s.clientId}`}>
            <h2 id={`service-${s.clientId}`}>{s.name}</h2>
            <p>
              Accès accordé {s.since}
              {s.lastUse && `, dernière transmission ${s.lastUse}`}.
            </p>
            <p>Informations transmises :</p>
            <ul class="bullets">
              {s.data.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
            <form method="post" action="/compte/services/retirer">
              <CsrfInput token={props.csrf} />
              <input type="hidden" name="service" value={s.clientId} />
              <button type="submit" class="button-secondary" aria-describedby={`service-${s.clientId}`}>
                Retirer l'accès
              </button>
            </form>
          </section>
        ))
      )}
    </AccountFrame>
  );
}
