//! One-tap violation buttons (each with today's count) and the "last saved" slot above them,
//! shared by the live patrol and the post-duty screens: `record_violation` needs no patrol.
//! After a tap the slot says 已保存 and offers 添加详情 (add_violation_details) and an undo for
//! a mis-tap (a withdrawal) that names the tally it takes back — in the layout, so it never
//! covers a button.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, toApiError } from '../api';
import { VIOLATION_TYPES, type ViolationType } from '../api/types';
import { fmtSeq, t, tError } from '../i18n';
import { navigate } from '../router';
import { errorToast, refreshHome, useApp } from '../state/store';

const describe = (e: ReturnType<typeof toApiError>) => tError(e).title;

type Last = { seq: number; type: ViolationType; undone: boolean; at: number };

/** Where the result of the last tap shows, in the layout (never over the buttons): a fixed
 * slot, so nothing moves under the officer's thumb when it appears. */
function LastSaved(p: { last: Last | null; onDetails: () => void; onUndo: () => void }) {
  const l = p.last;
  return (
    <div class={'last-saved' + (l ? (l.undone ? ' is-undone' : ' is-saved') : '')} aria-live="polite" data-testid="last-saved">
      {!l ? (
        <p class="tap-hint">{t('live.tap_hint')}</p>
      ) : l.undone ? (
        <p class="last-text">{t('live.undone', { type: t(`violation.type.${l.type}`), seq: fmtSeq(l.seq) })}</p>
      ) : (
        <>
          <p class="last-text">
            {t('live.saved_toast', { type: t(`violation.type.${l.type}`) })} {fmtSeq(l.seq)}
          </p>
          <button type="button" class="btn btn-strong last-btn" onClick={p.onDetails}>
            {t('live.add_details')}
          </button>
          <button
            type="button"
            class="btn btn-secondary last-btn"
            data-testid="live-undo"
            aria-label={t('live.undo_named', { type: t(`violation.type.${l.type}`), seq: fmtSeq(l.seq) })}
            onClick={p.onUndo}
          >
            {t('live.undo')}
          </button>
        </>
      )}
    </div>
  );
}

export function ViolationPad() {
  const home = useApp((s) => s.home);
  const [last, setLast] = useState<Last | null>(null);
  const busy = useRef(new Set<ViolationType>());

  const tap = async (type: ViolationType) => {
    if (busy.current.has(type)) return; // one tap, one record: ignore a bounce while saving
    busy.current.add(type);
    try {
      const saved = await api().recordViolation({ type });
      void refreshHome();
      setLast({ seq: saved.seq, type, undone: false, at: Date.now() });
    } catch (e) {
      errorToast(e, describe);
    } finally {
      setTimeout(() => busy.current.delete(type), 400);
    }
  };

  const undo = async (l: Last) => {
    try {
      await api().supplement({ seq: l.seq, reason: t('live.undo_reason'), correction: null });
      setLast({ ...l, undone: true, at: Date.now() });
      void refreshHome();
    } catch (e) {
      errorToast(e, describe);
    }
  };

  // The slot goes back to the hint a while after the last tap.
  useEffect(() => {
    if (!last) return;
    const id = setTimeout(() => setLast((l) => (l === last ? null : l)), 15_000);
    return () => clearTimeout(id);
  }, [last]);

  const counts = home?.today.violations ?? {};
  return (
    <>
      <LastSaved last={last} onDetails={() => last && navigate(`/violation/${last.seq}?type=${last.type}`)} onUndo={() => last && void undo(last)} />
      <div class="vgrid">
        {VIOLATION_TYPES.map((v) => (
          <button type="button" key={v} class="vbtn" data-violation={v} onClick={() => void tap(v)}>
            <span class="vbtn-label">{t(`violation.type.${v}`)}</span>
            <span class="vbtn-count" data-testid={`count-${v}`}>
              {t('live.today', { n: counts[v] ?? 0 })}
            </span>
          </button>
        ))}
      </div>
    </>
  );
}
