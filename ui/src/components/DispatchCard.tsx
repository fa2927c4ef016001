//! The full-screen dispatch card (派警): over every screen, above everything, so an order from
//! HQ cannot be missed. It shows what the call is (kind), how fast the unit must be there (the
//! 1-3-5 tier, in a strong colour per tier), where (address, note, the target on the map, the
//! distance and compass direction from the officer's last position), how long since the call,
//! and one big button per step Rust allows now (`next`), the main one lowest, under the thumb.
//! Declining asks for a reason (preset chips and free text); clearing asks for the outcome (big
//! choices, none preselected). An unanswered order cannot be put away; once accepted the card
//! collapses to the strip on Home and the live patrol, which opens it again. A dispatch HQ took
//! back says so, and why, with a single "知道了".
//!
//! Rust decides: the buttons are `next`, a refusal is shown as Rust gave it (translated), and
//! nothing is written until Rust says it is.

import { useEffect, useRef, useState } from 'preact/hooks';
import { toApiError } from '../api';
import {
  DISPATCH_OUTCOMES,
  type Dispatch,
  type DispatchOutcome,
  type DispatchStepArgs,
  type DispatchStepKind,
  type LatLon,
  type SceneSuggestion,
} from '../api/types';
import { fmtSpan, fmtTime, t, tk } from '../i18n';
import { timeLeftMs, type CardMode } from '../lib/dispatch';
import { DECLINE_REASONS, declineReasonText, directionText, stepErrorText, type DeclineReason } from '../lib/dispatch-text';
import { useMedia, useNow } from '../lib/hooks';
import {
  collapseDispatch,
  currentCard,
  dismissWithdrawal,
  recordStep,
  reloadDispatches,
  useDispatch,
} from '../state/dispatch';
import { toast, useApp } from '../state/store';
import { Choice } from './Choice';
import { MapView } from './MapView';

const MORE_MAX = 150;

/** "您似乎已到达现场 — 确认到场？" with one big confirm; used in the card and over the strip. */
export function SceneBanner(p: { scene: SceneSuggestion; busy: boolean; onConfirm: () => void }) {
  return (
    <div class="banner banner-info suggestion scene-suggestion" role="status" data-testid="scene-suggestion" data-dispatch={p.scene.dispatch_id}>
      <p class="suggestion-text">{t('dispatch.scene_suggest')}</p>
      <p class="small">{t('dispatch.scene_since', { time: fmtTime(p.scene.arrived_ms) })}</p>
      <button type="button" class="btn btn-strong banner-button" disabled={p.busy} onClick={p.onConfirm}>
        {t('dispatch.scene_confirm')}
      </button>
    </div>
  );
}

type View = 'main' | 'decline' | 'clear';

function DispatchCard(p: { d: Dispatch; mode: CardMode; here: LatLon | null; scene: SceneSuggestion | null }) {
  const { d, mode } = p;
  const o = d.order;
  const ref = useApp((s) => s.reference);
  const now = useNow();
  const [view, setView] = useState<View>('main');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [preset, setPreset] = useState<DeclineReason | null>(null);
  const [more, setMore] = useState('');
  const [outcome, setOutcome] = useState<DispatchOutcome | null>(null);
  const title = useRef<HTMLHeadingElement>(null);
  const inFlight = useRef(false);
  // Tall phones have room for a 4:3 map under the words.
  const tallMap = useMedia('(min-height: 820px)');

  useEffect(() => {
    title.current?.focus();
  }, [view]);

  const withdrawn = mode === 'withdrawn';
  const left = withdrawn ? null : timeLeftMs(d, now);
  const scene = !withdrawn && view === 'main' && p.scene?.dispatch_id === o.id ? p.scene : null;

  const go = (v: View) => {
    setError(null);
    setView(v);
  };

  const step = async (s: DispatchStepKind, extra: Omit<DispatchStepArgs, 'id' | 'step'> = {}) => {
    // One step at a time, even for two taps inside one frame (Rust would refuse the second).
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      await recordStep({ id: o.id, step: s, ...extra });
      toast(t('dispatch.saved', { step: tk(`dispatch.step.${s}`) }));
      // Answered: out of the way (a step on the way collapses to the strip; the last one ends it).
      collapseDispatch();
    } catch (e) {
      const err = toApiError(e);
      if (err.kind === 'dispatch_step_done') {
        // A double tap: the step is there already, nothing was written. Say so and move on.
        toast(t('error.kind.dispatch_step_done'), { tone: 'info' });
        collapseDispatch();
        void reloadDispatches();
        return;
      }
      if (err.kind === 'dispatch_withdrawn' || err.kind === 'dispatch_cleared' || err.kind === 'unknown_dispatch') void reloadDispatches();
      setError(stepErrorText(err));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const declineReason = () => declineReasonText(preset, more);

  const onStep = (s: DispatchStepKind) => {
    if (s === 'declined') go('decline');
    else if (s === 'cleared') go('clear');
    else void step(s);
  };

  // Secondary steps first, the main one (Rust's first) lowest, under the thumb.
  const [main, ...others] = d.next;
  const canCollapse = mode === 'opened';

  return (
    <div class="dispatch-layer" role="presentation">
      <section
        class={`dispatch-card tier-${o.tier}` + (withdrawn ? ' is-withdrawn' : '')}
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="dispatch-title"
        aria-describedby="dispatch-address"
        data-testid="dispatch-card"
        data-dispatch={o.id}
        data-state={d.state}
        data-mode={mode}
        data-tier={o.tier}
      >
        <header class="dispatch-head">
          <div class="dispatch-head-text">
            <p class="dispatch-kicker">
              {mode === 'new' ? t('dispatch.new') : t('dispatch.kicker', { state: tk(`dispatch.state.${d.state}`) })}
            </p>
            <h2 id="dispatch-title" class="dispatch-kind" tabIndex={-1} ref={title}>
              {tk(`dispatch.kind.${o.kind}`)}
            </h2>
          </div>
          <span class="dispatch-tier" data-testid="dispatch-tier">
            {t('dispatch.tier_badge', { n: o.tier })}
          </span>
        </header>

        <div class="dispatch-body">
          {withdrawn ? (
            <div class="dispatch-withdrawn" data-testid="dispatch-withdrawn">
              <p class="dispatch-withdrawn-title">{t('dispatch.withdrawn_title')}</p>
              <p>{t('dispatch.withdrawn_body')}</p>
              {d.withdrawn ? <p class="dispatch-withdrawn-reason">{t('dispatch.withdrawn_reason', { reason: d.withdrawn })}</p> : null}
            </div>
          ) : null}
          {scene ? <SceneBanner scene={scene} busy={busy} onConfirm={() => void step('on-scene', { suggested: true })} /> : null}

          <p id="dispatch-address" class={'dispatch-address' + (o.address ? '' : ' is-missing')} data-testid="dispatch-address">
            {o.address ?? t('dispatch.no_address')}
          </p>
          {o.note && view === 'main' ? (
            <p class="dispatch-note" data-testid="dispatch-note">
              <span class="dispatch-note-label">{t('dispatch.note')}</span> {o.note}
            </p>
          ) : null}
          {/* In the decline and clear forms only the address stays, so the choices fit. */}
          <ul class={'dispatch-facts' + (view === 'main' ? '' : ' visually-hidden')}>
            {withdrawn ? null : <li class="dispatch-direction" data-testid="dispatch-distance">{directionText(p.here, o.target)}</li>}
            <li>{t('dispatch.since_call', { elapsed: fmtSpan(now - o.call_ms) })}</li>
            {left !== null ? (
              <li class={'dispatch-deadline' + (left < 0 ? ' is-overdue' : '')} data-testid="dispatch-deadline">
                {left >= 0 ? t('dispatch.left', { time: fmtSpan(left) }) : t('dispatch.overdue', { time: fmtSpan(-left) })}
              </li>
            ) : null}
          </ul>

          {view === 'decline' ? (
            <div class="dispatch-form" data-testid="dispatch-decline">
              <p class="dispatch-form-title">{t('dispatch.decline_title')}</p>
              <p class="field-label" id="decline-presets-label">
                {t('dispatch.decline_reasons')}
              </p>
              <div class="choices dispatch-presets" role="radiogroup" aria-labelledby="decline-presets-label" id="decline-presets">
                {DECLINE_REASONS.map((r) => (
                  <button
                    type="button"
                    key={r}
                    role="radio"
                    aria-checked={preset === r}
                    class={'chip' + (preset === r ? ' on' : '')}
                    data-value={r}
                    onClick={() => {
                      setError(null);
                      setPreset(preset === r ? null : r);
                    }}
                  >
                    {tk(`dispatch.decline_reason.${r}`)}
                  </button>
                ))}
              </div>
              <label class="field-label" for="decline-more">
                {t('dispatch.decline_more')}
                <span class="field-optional">{t('common.optional')}</span>
              </label>
              <textarea
                id="decline-more"
                rows={2}
                maxLength={MORE_MAX}
                value={more}
                aria-invalid={error ? 'true' : undefined}
                onInput={(e) => {
                  setError(null);
                  setMore((e.currentTarget as HTMLTextAreaElement).value);
                }}
              />
            </div>
          ) : null}

          {view === 'clear' ? (
            <div class="dispatch-form" data-testid="dispatch-clear" role="group" aria-labelledby="clear-outcome-label">
              <p class="dispatch-form-title" id="clear-outcome-label">
                {t('dispatch.clear_title')}
              </p>
              <Choice
                id="clear-outcome"
                options={DISPATCH_OUTCOMES}
                value={outcome}
                onChange={(v) => {
                  setError(null);
                  setOutcome(v);
                }}
                labelPrefix="dispatch.outcome"
                columns={2}
                invalid={!!error}
              />
            </div>
          ) : null}

          {view === 'main' && !withdrawn ? (
            <MapView
              route={p.here ? [[p.here.lat, p.here.lon]] : []}
              cells={ref?.cells ?? []}
              posts={[]}
              currentCell={null}
              label={t('dispatch.map_label')}
              target={o.target}
              targetRadiusM={o.radius_m}
              minSpanM={600}
              tall={tallMap}
            />
          ) : null}
        </div>

        <div class="dispatch-actions">
          {error ? (
            <p class="dispatch-error" role="alert" data-testid="dispatch-error">
              {error}
            </p>
          ) : null}
          {withdrawn ? (
            <button type="button" class="btn btn-primary" data-step="dismiss" onClick={() => dismissWithdrawal(d)}>
              {t('dispatch.ok')}
            </button>
          ) : view === 'decline' ? (
            <div class="dispatch-row is-confirm">
              <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => go('main')}>
                {t('common.back')}
              </button>
              <button
                type="button"
                class="btn btn-danger"
                data-step="declined"
                disabled={busy}
                onClick={() => void step('declined', { reason: declineReason() })}
              >
                {t('dispatch.decline_confirm')}
              </button>
            </div>
          ) : view === 'clear' ? (
            <div class="dispatch-row is-confirm">
              <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => go('main')}>
                {t('common.back')}
              </button>
              <button
                type="button"
                class="btn btn-primary"
                data-step="cleared"
                disabled={busy}
                onClick={() => void step('cleared', outcome ? { outcome } : {})}
              >
                {t('dispatch.clear_confirm')}
              </button>
            </div>
          ) : (
            <>
              {others.length || canCollapse ? (
                <div class={'dispatch-row' + (others.length + (canCollapse ? 1 : 0) === 1 ? ' is-single' : '')}>
                  {canCollapse ? (
                    <button type="button" class="btn btn-secondary" data-step="collapse" onClick={collapseDispatch}>
                      {t('dispatch.collapse')}
                    </button>
                  ) : null}
                  {others.map((s) => (
                    <button
                      type="button"
                      key={s}
                      class={'btn ' + (s === 'declined' ? 'btn-secondary dispatch-decline' : 'btn-secondary')}
                      data-step={s}
                      disabled={busy}
                      onClick={() => onStep(s)}
                    >
                      {tk(`dispatch.do.${s}`)}
                    </button>
                  ))}
                </div>
              ) : null}
              {main ? (
                <button type="button" class="btn btn-primary dispatch-go" data-step={main} disabled={busy} onClick={() => onStep(main)}>
                  {tk(`dispatch.do.${main}`)}
                </button>
              ) : null}
            </>
          )}
        </div>
      </section>
    </div>
  );
}

/** The card host: mounted once over the whole app; shows the card `cardToShow` picks, if any. */
export function DispatchLayer() {
  const ui = useDispatch((s) => s);
  const choice = currentCard(ui);
  const shown = choice !== null;
  useEffect(() => {
    document.documentElement.classList.toggle('dispatch-open', shown);
    return () => document.documentElement.classList.remove('dispatch-open');
  }, [shown]);
  if (!choice) return null;
  return (
    <DispatchCard
      key={`${choice.dispatch.order.id}-${choice.mode}`}
      d={choice.dispatch}
      mode={choice.mode}
      here={ui.here}
      scene={ui.scene}
    />
  );
}
