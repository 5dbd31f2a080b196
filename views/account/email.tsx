import { CsrfInput, TextField } from '../ui/components.js';
import { AccountFrame, type AccountFrameProps } from './frame.js';

export interface AccountEmailProps extends Omit<AccountFrameProps, 'title' | 'section' | 'children'> {
  email: string | null;
  pending: { email: string; validity: string } | null;
  value?: string;
}

/** « Adresse électronique »: the confirmed address, the one waiting for its link, a new one. */
export function AccountEmailPage(props: AccountEmailProps) {
  return (
    <AccountFrame {...props} title="Adresse électronique" section="courriel">
      <h1>Adresse électronique</h1>
      <p>
        {props.email
          ? `Votre adresse électronique confirmée : ${props.email}.`
          : "Vous n'avez pas encore d'adresse électronique confirmée."}{' '}
        Une adresse ne sert (récupération de votre compte, transmission aux services qui la demandent) qu'une
        fois confirmée par le lien reçu.
      </p>
      {props.pending && (
        <div class="notice">
          <p>
            Un lien de confirmation a été envoyé à <strong>{props.pending.email}</strong>. Il est valable{' '}
            {props.pending.validity}. Pensez à regarder dans vos courriers indésirables.
          </p>
          <form method="post" action="/compte/courriel/renvoi">
            <CsrfInput token={props.csrf} />
            <button type="submit" class="button-secondary">
              Renvoyer le mail
            </button>
          </form>
        </div>
      )}
      <form method="post" action="/compte/courriel" novalidate>
        <CsrfInput token={props.csrf} />
        <TextField
          name="email"
          label={props.email ? 'Nouvelle adresse électronique' : 'Adresse électronique'}
          hint="Format attendu : nom@exemple.fr"
          type="email"
          inputMode="email"
          autocomplete="email"
          maxLength={254}
          value={props.value}
          error={props.errors?.email}
        />
        <button type="submit" class="button-primary">
          Envoyer le lien de confirmation
        </button>
      </form>
    </AccountFrame>
  );
}
