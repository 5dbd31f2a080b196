import { CsrfInput, NewPasswordFields, PasswordInput, type PasswordRuleView } from '../ui/components.js';
import { AccountFrame, type AccountFrameProps } from './frame.js';

export interface AccountPasswordProps extends Omit<AccountFrameProps, 'title' | 'section' | 'children'> {
  /** False for an account without a password (created through FranceConnect): « Définir un mot de passe ». */
  hasPassword: boolean;
  rules: readonly PasswordRuleView[];
}

/** « Changer mon mot de passe » (or « Définir un mot de passe » when the account has none). */
export function AccountPasswordPage(props: AccountPasswordProps) {
  const title = props.hasPassword ? 'Changer mon mot de passe' : 'Définir un mot de passe';
  return (
    <AccountFrame {...props} title={title} section="mot-de-passe" scripts={['/static/password.js']}>
      <h1>{title}</h1>
      <p>
        {props.hasPassword
          ? 'Saisissez votre mot de passe actuel, puis choisissez le nouveau. Vous serez déconnecté de vos autres appareils et services.'
          : "Votre compte n'a pas de mot de passe : vous vous connectez avec FranceConnect. Vous pouvez en définir un pour vous connecter aussi avec votre identifiant."}
      </p>
      <form method="post" action="/compte/mot-de-passe" novalidate>
        <CsrfInput token={props.csrf} />
        {props.hasPassword && (
          <PasswordInput
            name="current"
            label="Mot de passe actuel"
            autocomplete="current-password"
            error={props.errors?.current}
          />
        )}
        <NewPasswordFields rules={props.rules} errors={props.errors} />
        <button type="submit" class="button-primary">
          {props.hasPassword ? 'Changer mon mot de passe' : 'Définir mon mot de passe'}
        </button>
      </form>
    </AccountFrame>
  );
}
