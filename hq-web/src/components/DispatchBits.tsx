//! Small dispatch marks: the tier badge in its strong colour, a state chip, the ranked units to
//! pick from (in HQ's order, never re-sorted), and an HQ refusal in the operator's language.

import type { HqError } from '../api/client';
import type { Recommendation } from '../api/types';
import { t, tk } from '../i18n';
import { dispatchError, fmtDistance, fmtEta, stateText, stateTone, tierColour } from '../lib/dispatch';
import { fmtAge } from '../lib/time';
import { Raw } from './Status';

export function TierBadge({ tier }: { tier: number }) {
  const c = tierColour(tier);
  return (
    <span class="tier-badge" data-tier={tier} style={{ background: c.bg, color: c.fg }}>
      {t('dispatch.tier', { n: tier })}
    </span>
  );
}

export function StateChip({ state }: { state: string }) {
  return <span class={`state-chip tone-${stateTone(state)}`} data-state={state}>{stateText(state)}</span>;
}

/** HQ's refusal: translated, with HQ's own words after it when the page has no translation. */
export function DispatchErrorLine({ error }: { error: HqError | string | null }) {
  if (!error) return null;
  if (typeof error === 'string') return <p class="note error" role="alert" data-error="page">{error}</p>;
  const e = dispatchError(error);
  return (
    <p class="note error" role="alert" data-error={error.code}>
      {e.text}
      {e.detail && <> <span class="raw hq-said" lang="en">{e.detail}</span></>}
    </p>
  );
}

/** The units HQ ranks for a point, best first, as HQ orders them: estimated arrival, distance,
 * how old the position is, mode, group and officers; busy / stale / already-on-it badges. */
export function RankList({
  recs, selected, onToggle, tier, on = [], exclude = [], label,
}: {
  recs: Recommendation[];
  selected: ReadonlySet<string>;
  onToggle: (deviceId: string) => void;
  tier: number;
  /** Units already on this dispatch: shown, not pickable. */
  on?: readonly string[];
  /** Units left out (the one a dispatch is taken from). */
  exclude?: readonly string[];
  label: string;
}) {
  const rows = recs.filter((r) => !exclude.includes(r.device_id));
  if (rows.length === 0) return <p class="note muted" data-recs="0">{t('dispatch.no_units')}</p>;
  return (
    <ol class="recs" aria-label={label} data-recs={rows.length}>
      {rows.map((r, i) => {
        const already = on.includes(r.device_id);
        const within = r.eta_s <= tier * 60;
        return (
          <li key={r.device_id} data-rec={r.device_id} data-rank={i + 1} class={`${selected.has(r.device_id) ? 'sel' : ''} ${r.stale ? 'is-stale' : ''}`}>
            <label class="rec">
              <input
                type="checkbox"
                checked={selected.has(r.device_id)}
                disabled={already}
                onChange={() => onToggle(r.device_id)}
                data-pick={r.device_id}
              />
              <span class="rank">{i + 1}</span>
              <span class="who">
                <Raw>{r.unit.group}</Raw> {tk(`patrol.mode.${r.unit.mode}`, undefined, r.unit.mode)}
                {r.unit.officers.length > 0 && <span class="officers user"> {r.unit.officers.join('、')}</span>}
              </span>
              <span class={`eta ${within ? 'within' : 'beyond'}`} data-eta={r.eta_s}>{fmtEta(r.eta_s)}</span>
              <span class="dist" data-distance={r.distance_m}>{fmtDistance(r.distance_m)}</span>
              <span class="age muted">{t('dispatch.fix_age', { age: fmtAge(r.position_age_ms) })}</span>
              <span class="badges">
                {already && <span class="badge on">{t('dispatch.badge.on_it')}</span>}
                {!already && r.busy_with && <span class="badge busy" data-busy={r.busy_with}>{t('dispatch.badge.busy')}</span>}
                {r.stale && <span class="badge stale">{t('dispatch.badge.stale')}</span>}
              </span>
            </label>
          </li>
        );
      })}
    </ol>
  );
}
