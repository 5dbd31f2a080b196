import { MobileField } from '../activation/identity.js';
import { StepFrame, type StepPosition } from '../activation/step-frame.js';
import { CsrfInput, type FieldErrors } from '../ui/components.js';

export interface PhonePageProps {
  profileLabel: string;
  uid: string;
  csrf: string;
  /** The person as FranceConnect named them (« Claire MARTIN »). */
  name: string;
  position: StepPosition;
  mobile?: string;
  errors?: FieldErrors;
  message?: string;
}

/** First login with FranceConnect, step 1: the mobile number known to the school. */
export function FranceConnectPhonePage({
  profileLabel,
  uid,
  csrf,
  name,
  position,
  mobile,
  errors,
  message,
}: PhonePageProps) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      {...position}
      heading="Je renseigne mon n° de téléphone portable"
      errors={errors}
      message={message}
    >
      <p>
        Bonjour <strong>{name}</strong>, vous êtes connecté avec FranceConnect. Pour cette première connexion,
        indiquez le numéro de téléphone portable communiqué à l'école ou à l'établissement scolaire : vous
        recevrez un code de validation par SMS, puis vous confirmerez la date de naissance de vos enfants.
      </p>
      <form method="post" action={`/interaction/${uid}/franceconnect/telephone`} novalidate>
        <CsrfInput token={csrf} />
        <MobileField value={mobile} error={errors?.telephone} />
        <div class="button-row">
          <button type="submit" class="button-primary">
            Recevoir mon code SMS
          </button>
        </div>
      </form>
      <p>
        <a href={`/interaction/${uid}/login/responsable_legal`}>Revenir à la page de connexion</a>
      </p>
    </StepFrame>
  );
}
