//! "进行中的派警": once the officer has accepted, the full-screen card collapses to this strip on
//! Home and the live patrol — kind, tier, address, the next step and where the scene is from
//! here; one tap opens the card again (steps are taken on the card, never by a stray tap on
//! the strip). Over it, when the position says the officer has reached the scene, the
//! "您似乎已到达现场 — 确认到场？" banner confirms the arrival in one tap.

import { useRef, useState } from 'preact/hooks';
import { t, tError, tk } from '../i18n';
import { committedDispatches, isCommitted } from '../lib/dispatch';
import { openDispatch, recordStep, useDispatch } from '../state/dispatch';
import { errorToast, toast } from '../state/store';
import { directionText } from '../lib/dispatch-text';
import { SceneBanner } from './DispatchCard';

export function DispatchStrip() {
  const list = useDispatch((s) => s.list);
  const here = useDispatch((s) => s.here);
  const scene = useDispatch((s) => s.scene);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const active = committedDispatches(list);
  const sceneOf = scene ? list.find((d) => d.order.id === scene.dispatch_id) : undefined;
  if (active.length === 0) return null;

  const confirmScene = async () => {
    if (!scene || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      await recordStep({ id: scene.dispatch_id, step: 'on-scene', suggested: true });
      toast(t('dispatch.saved', { step: tk('dispatch.step.on-scene') }));
    } catch (e) {
      errorToast(e, (x) => tError(x).title);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return (
    <div class="dispatch-strips">
      {scene && sceneOf && isCommitted(sceneOf) ? <SceneBanner scene={scene} busy={busy} onConfirm={() => void confirmScene()} /> : null}
      {active.map((d) => {
        const o = d.order;
        const next = d.next[0];
        return (
          <button
            type="button"
            key={o.id}
            class={`dispatch-strip tier-${o.tier}`}
            data-testid="dispatch-strip"
            data-dispatch={o.id}
            data-state={d.state}
            onClick={() => openDispatch(o.id)}
          >
            <span class="strip-kicker">
              <span class="strip-label">{t('dispatch.strip')}</span>
              <span class="strip-tier">{t('dispatch.tier_badge', { n: o.tier })}</span>
            </span>
            <span class="strip-title">
              {tk(`dispatch.kind.${o.kind}`)} · {tk(`dispatch.state.${d.state}`)}
            </span>
            {o.address ? <span class="strip-address">{o.address}</span> : null}
            <span class="strip-next">
              {[next ? t('dispatch.next', { step: tk(`dispatch.do.${next}`) }) : '', here ? directionText(here, o.target) : '']
                .filter(Boolean)
                .join(' · ')}
            </span>
          </button>
        );
      })}
    </div>
  );
}
