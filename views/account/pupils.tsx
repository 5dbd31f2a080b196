import { BlockedPupilsNotice } from '../pupil-binding/blocked-pupils.js';
import {
  PUPIL_LINKS_INTRO,
  type PupilAnswerValues,
  PupilLinksForm,
  type PupilOption,
} from '../pupil-binding/pupil-fieldsets.js';
import { AccountFrame, type AccountFrameProps } from './frame.js';

export interface AccountPupilsProps extends Omit<AccountFrameProps, 'title' | 'section' | 'children'> {
  offered: PupilOption[];
  blocked: PupilOption[];
  answers?: Map<string, PupilAnswerValues>;
}

/** « Ajout d'élèves » on demand: registry pupils linked to the parent and not yet bound. */
export function AccountPupilsPage(props: AccountPupilsProps) {
  return (
    <AccountFrame {...props} title="Ajout d'élèves" section="eleves">
      <h1>Ajout d'élèves</h1>
      {props.blocked.length > 0 && <BlockedPupilsNotice blocked={props.blocked} />}
      {props.offered.length === 0 ? (
        <p>
          Aucun autre élève ne vous est associé dans la base des établissements. Si un enfant manque,
          contactez son école ou son établissement : c'est lui qui enregistre les représentants légaux.
        </p>
      ) : (
        <>
          <p>Ces élèves vous sont associés dans la base de leur établissement. {PUPIL_LINKS_INTRO}</p>
          <PupilLinksForm
            csrf={props.csrf}
            action="/compte/eleves"
            pupils={props.offered}
            answers={props.answers}
            errors={props.errors}
          />
        </>
      )}
    </AccountFrame>
  );
}
