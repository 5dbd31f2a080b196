import { CsrfInput, TextField } from '../ui/components.js';
import { AccountFrame, type AccountFrameProps } from './frame.js';

export interface AccountPhoneProps extends Omit<AccountFrameProps, 'title' | 'section' | 'children'> {
  phone: string | null;
  /** Set once a code was sent: the (masked) new number and the code's validity. */
  pending: { maskedPhone: string; validity: string } | null;
  value?: string;
}

const SCHOOL_COPY =
  "L'école ou l'établissement garde son propre exemplaire de votre numéro : pensez à lui signaler aussi tout changement.";

/** « N° de téléphone portable »: a new number takes effect once the SMS code sent to it is entered. */
export function AccountPhonePage(props: AccountPhoneProps) {
  return (
    <AccountFrame {...props} title="N° de téléphone portable" section="telephone">
      <h1>N° de téléphone portable</h1>
      <p>{props.phone ? `Votre numéro actuel : ${props.phone}.` : "Aucun numéro n'est enregistré."}</p>
      <p>{SCHOOL_COPY}</p>
      {props.pending ? (
        <>
          <p>
            Un code de sécurité a été envoyé par SMS au {props.pending.maskedPhone} (valable{' '}
            {props.pending.validity}). Le nouveau numéro ne sera enregistré qu'une fois le code saisi.
          </p>
          <form method="post" action="/compte/telephone/code" novalidate>
            <CsrfInput token={props.csrf} />
            <TextField
              name="code"
              label="Code de sécurité"
              hint="6 chiffres"
              inputMode="numeric"
              autocomplete="one-time-code"
              maxLength={6}
              error={props.errors?.code}
            />
            <button type="submit" class="button-primary">
              Valider le nouveau numéro
            </button>
          </form>
          <form method="post" action="/compte/telephone/renvoi">
            <CsrfInput token={props.csrf} />
            <button type="submit" class="button-secondary">
              Renvoyer le SMS
            </button>
          </form>
        </>
      ) : (
        <form method="post" action="/compte/telephone" novalidate>
          <CsrfInput token={props.csrf} />
          <TextField
            name="telephone"
            label="Nouveau numéro de téléphone portable"
            hint="Par exemple 06 12 34 56 78, ou +262 692 12 34 56 pour un numéro d'outre-mer"
            type="tel"
            inputMode="tel"
            autocomplete="tel"
            maxLength={30}
            value={props.value}
            error={props.errors?.telephone}
          />
          <button type="submit" class="button-primary">
            Recevoir un code par SMS
          </button>
        </form>
      )}
    </AccountFrame>
  );
}
