import { CsrfInput } from '../ui/components.js';
import { type ConsoleContext, ConsoleFrame, TableRegion } from './frame.js';

export interface ReportView {
  accountId: string;
  pupilId: string;
  reporter: string;
  pupil: string;
  level: string;
  reportedAt: string;
  handledAt: string | null;
}

/** « Signalements »: the « Je ne suis pas le représentant légal » answers about this establishment's pupils. */
export function ReportsPage({
  context,
  reports,
  notice,
}: {
  context: ConsoleContext;
  reports: ReportView[];
  notice?: string;
}) {
  return (
    <ConsoleFrame context={context} section="signalements" title="Signalements" notice={notice}>
      <p>
        Un représentant légal a répondu « Je ne suis pas le représentant légal de cet élève » : vérifiez le
        registre de l'établissement, puis marquez le signalement comme traité.
      </p>
      {reports.length === 0 ? (
        <p>Aucun signalement.</p>
      ) : (
        <TableRegion label="Signalements">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Élève</th>
                <th scope="col">Niveau</th>
                <th scope="col">Signalé par</th>
                <th scope="col">Le</th>
                <th scope="col">Suite</th>
              </tr>
            </thead>
            <tbody>
              {reports.map((r) => (
                <tr key={`${r.accountId}-${r.pupilId}`}>
                  <th scope="row">{r.pupil}</th>
                  <td>{r.level}</td>
                  <td>{r.reporter}</td>
                  <td>{r.reportedAt}</td>
                  <td>
                    {r.handledAt ? (
                      `Traité le ${r.handledAt}`
                    ) : (
                      <form method="post" action={`/etablissement/${context.uai}/signalements`}>
                        <CsrfInput token={context.csrf} />
                        <input type="hidden" name="account" value={r.accountId} />
                        <input type="hidden" name="pupil" value={r.pupilId} />
                        <button type="submit" class="button-secondary button-small">
                          Marquer comme traité
                          <span class="visually-hidden">
                            {' '}
                            : {r.reporter} pour {r.pupil}
                          </span>
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </ConsoleFrame>
  );
}

export interface PhoneRequestView {
  id: string;
  requester: string;
  mobile: string;
  knownMobile: string;
  pupil: string;
  birthDate: string;
  createdAt: string;
  status: string;
  pending: boolean;
}

/** « Changements de numéro »: requests sent from the activation page, to apply or reject. */
export function PhoneRequestsPage({
  context,
  requests,
  notice,
}: {
  context: ConsoleContext;
  requests: PhoneRequestView[];
  notice?: string;
}) {
  return (
    <ConsoleFrame context={context} section="numeros" title="Changements de numéro" notice={notice}>
      <p>
        Un représentant légal signale que son numéro de téléphone portable a changé. Vérifiez sa demande (par
        exemple en le rappelant au numéro connu ou sur place) avant de mettre à jour le numéro : il servira
        ensuite à l'activation par SMS.
      </p>
      {requests.length === 0 ? (
        <p>Aucune demande.</p>
      ) : (
        <TableRegion label="Demandes de changement de numéro">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Représentant</th>
                <th scope="col">Nouveau numéro</th>
                <th scope="col">Numéro connu</th>
                <th scope="col">Élève</th>
                <th scope="col">Reçue le</th>
                <th scope="col">Suite</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{r.requester}</th>
                  <td>{r.mobile}</td>
                  <td>{r.knownMobile}</td>
                  <td>
                    {r.pupil} (né(e) le {r.birthDate})
                  </td>
                  <td>{r.createdAt}</td>
                  <td>
                    {r.pending ? (
                      <form method="post" action={`/etablissement/${context.uai}/numeros/${r.id}`}>
                        <CsrfInput token={context.csrf} />
                        <button
                          type="submit"
                          name="decision"
                          value="accepter"
                          class="button-secondary button-small"
                        >
                          Mettre à jour le numéro<span class="visually-hidden"> de {r.requester}</span>
                        </button>{' '}
                        <button
                          type="submit"
                          name="decision"
                          value="rejeter"
                          class="button-secondary button-small"
                        >
                          Rejeter<span class="visually-hidden"> la demande de {r.requester}</span>
                        </button>
                      </form>
                    ) : (
                      r.status
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </ConsoleFrame>
  );
}
