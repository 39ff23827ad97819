import { localizeInstants } from '../format';

/** One action the server offers this user now: open, or closed with its reason. */
export interface ActionOffer<A extends string> {
  action: A;
  open: boolean;
  reason?: string | null | undefined;
}

export type ActionTone = 'primary' | 'danger' | 'plain';

/**
 * A page's one action bar (a booking's, a payout run's): exactly the actions the server offers this
 * user now, each open one a button, each closed one disabled with the server's reason beside it (and
 * as its accessible description). Which actions appear, and whether they are open, is the server's
 * answer; the page only says how each looks.
 */
export function ActionBar<A extends string, O extends ActionOffer<A>>({
  offers,
  look,
  nothingOpen,
  onChoose,
}: {
  offers: readonly O[];
  look: (offer: O) => { label: string; tone: ActionTone };
  /** Said when the server offers nothing, e.g. "No action is open to you for this booking." */
  nothingOpen: string;
  onChoose: (action: A) => void;
}) {
  return (
    <div className="actions action-bar" role="group" aria-label="Actions" data-testid="action-bar">
      {offers.length === 0 ? <span className="muted">{nothingOpen}</span> : null}
      {offers.map((offer) => {
        const reasonId = `action-reason-${offer.action}`;
        const { label, tone } = look(offer);
        return (
          <div key={offer.action} className={offer.open ? 'action' : 'action action-closed'}>
            <button
              type="button"
              className={tone === 'plain' ? 'button' : `button ${tone}`}
              disabled={!offer.open}
              aria-describedby={offer.open ? undefined : reasonId}
              data-testid={`action-${offer.action}`}
              onClick={() => onChoose(offer.action)}
            >
              {label}
            </button>
            {offer.open ? null : (
              <span id={reasonId} className="action-reason" data-testid={`action-reason-${offer.action}`}>
                {offer.reason ? localizeInstants(offer.reason) : 'Not available now.'}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
