//! History, newest first: each entry with its sync badge; supplements show as "已被 #n 更正" /
//! "已撤回". Actions never edit: 更正 opens the form prefilled and submits a supplement with a
//! required reason; 撤回 appends a withdrawal with a required reason. A second view lists the
//! dispatches (派警) this device was sent, with the time of each step; an active one opens its
//! card again.

import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, toApiError } from '../api';
import { REPORT_KINDS, type Dispatch, type HistoryItem } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { Choice } from '../components/Choice';
import { ConfirmDialog } from '../components/Dialog';
import { fmtDateTime, fmtSeq, fmtTime, t, tError, tk } from '../i18n';
import { isActive, stepTimeline } from '../lib/dispatch';
import { standing, supplementOf } from '../lib/record';
import { navigate, parseHash } from '../router';
import { openDispatch, useDispatch } from '../state/dispatch';
import { errorToast, toast, useApp, useLedger } from '../state/store';
import { REPORT_PATHS } from './ReportMenu';
import { summarize } from './history-summary';

const CORRECTABLE = new Set<string>([...REPORT_KINDS, 'violation']);
const WITHDRAWABLE = new Set<string>([...REPORT_KINDS, 'violation', 'post_arrived', 'post_left']);

/** Where 更正 goes: the violation details (with the type as it stands, which orders the form's
 * vehicle kinds from its first frame) or the report's form. `now`: the item as it stands. */
function correctPath(now: HistoryItem): string {
  if (now.kind === 'violation') return `/violation/${now.seq}?correct=1&type=${encodeURIComponent(now.record.type)}`;
  return `${REPORT_PATHS[now.kind]}?correct=${now.seq}`;
}

const FILTERS = ['all', 'dispatches'] as const;
/** How many saved things the list shows at first, and adds with each "earlier". */
const PAGE = 300;
type Filter = (typeof FILTERS)[number];

function Item(p: { item: HistoryItem; all: HistoryItem[]; onWithdraw: (i: HistoryItem) => void }) {
  const { item } = p;
  const ref = useApp((s) => s.reference);
  const dispatches = useDispatch((s) => s.list);
  const withdrawn = item.withdrawn_by !== null;
  const supp = supplementOf(item);
  const now = standing(item, p.all);
  return (
    <li class={'card entry' + (withdrawn ? ' is-withdrawn' : '')} data-seq={item.seq}>
      <div class="entry-head">
        <p class="entry-title">
          <span class="entry-seq">{fmtSeq(item.seq)}</span> {tk(`entry.kind.${item.kind}`)}
        </p>
        <span class={`sync-badge sync-${item.sync}`}>{tk(`history.sync.${item.sync}`)}</span>
      </div>
      <p class="entry-meta">
        {fmtDateTime(item.wall_ms)}
        {item.cell ? ` · ${t('history.cell', { cell: item.cell })}` : ''}
      </p>
      {supp ? (
        <p class="entry-note">{supp.correction ? t('history.correction_of', { seq: fmtSeq(supp.target_seq) }) : t('history.withdrawal_of', { seq: fmtSeq(supp.target_seq) })}</p>
      ) : null}
      <p class="entry-summary">{summarize(now, ref, dispatches)}</p>
      {item.corrected_by.length > 0 ? (
        <p class="entry-note">{t('history.corrected_by', { seqs: item.corrected_by.map(fmtSeq).join(', ') })}</p>
      ) : null}
      {withdrawn ? <p class="entry-note entry-withdrawn">{t('history.withdrawn', { seq: fmtSeq(item.withdrawn_by!) })}</p> : null}
      {!withdrawn && (CORRECTABLE.has(item.kind) || WITHDRAWABLE.has(item.kind)) ? (
        <div class="row-actions">
          {CORRECTABLE.has(item.kind) ? (
            <button type="button" class="btn btn-secondary" onClick={() => navigate(correctPath(now))}>
              {t('history.correct')}
            </button>
          ) : null}
          {WITHDRAWABLE.has(item.kind) ? (
            <button type="button" class="btn btn-secondary" onClick={() => p.onWithdraw(item)}>
              {t('history.withdraw')}
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

/** One dispatch this device was sent: what, where, and when each step was taken. */
function DispatchItem(p: { d: Dispatch }) {
  const { d } = p;
  const o = d.order;
  const s = d.steps;
  return (
    <li class={`card dispatch-item tier-${o.tier}`} data-dispatch={o.id} data-state={d.state}>
      <div class="entry-head">
        <p class="entry-title">
          {tk(`dispatch.kind.${o.kind}`)} <span class="dispatch-tier-chip">{tk(`dispatch.tier.${o.tier}`)}</span>
        </p>
        <span class={`state-badge dstate dstate-${d.state}`}>{tk(`dispatch.state.${d.state}`)}</span>
      </div>
      <p class="entry-meta">{t('dispatch.received', { time: fmtDateTime(d.received_ms) })}</p>
      {o.address ? <p class="entry-summary">{o.address}</p> : null}
      {stepTimeline(s).length ? (
        <ul class="dispatch-times">
          {stepTimeline(s).map((x) => (
            <li key={x.step} data-step={x.step}>
              {t('history.dispatch_step_time', { step: tk(`dispatch.step.${x.step}`), time: fmtTime(x.ms) })}
            </li>
          ))}
        </ul>
      ) : null}
      {s.outcome ? <p class="entry-note">{t('history.dispatch_outcome', { outcome: tk(`dispatch.outcome.${s.outcome}`) })}</p> : null}
      {s.reason ? <p class="entry-note">{t('history.dispatch_reason', { reason: s.reason })}</p> : null}
      {d.withdrawn ? <p class="entry-note entry-withdrawn">{t('dispatch.withdrawn_reason', { reason: d.withdrawn })}</p> : null}
      {isActive(d) ? (
        <div class="row-actions">
          <button type="button" class="btn btn-secondary" onClick={() => openDispatch(o.id)}>
            {t('history.dispatch_open')}
          </button>
        </div>
      ) : null}
    </li>
  );
}

export function History() {
  const [filter, setFilter] = useState<Filter>(() => (parseHash(location.hash).params.get('show') === 'dispatches' ? 'dispatches' : 'all'));
  const dispatches = useDispatch((s) => s.list);
  const [items, setItems] = useState<HistoryItem[] | null>(null);
  const [withdraw, setWithdraw] = useState<HistoryItem | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialogErr, setDialogErr] = useState<string | null>(null);
  // The newest PAGE things saved; "earlier" asks for PAGE more each time (the core reads only
  // from the oldest asked for, so a longer list stays cheap), and a refresh keeps the length.
  const [limit, setLimit] = useState(PAGE);
  const load = useCallback(() => {
    void api()
      .history(limit, false)
      .then(setItems)
      .catch((e) => errorToast(e, (x) => tError(x).title));
  }, [limit]);
  useEffect(load, [load]);
  useLedger(load);

  const doWithdraw = async (reason: string) => {
    if (!withdraw) return;
    setBusy(true);
    try {
      await api().supplement({ seq: withdraw.seq, reason, correction: null });
      toast(t('history.withdrawn_toast', { seq: fmtSeq(withdraw.seq) }));
      setWithdraw(null);
      setDialogErr(null);
      load();
    } catch (e) {
      const te = tError(toApiError(e));
      setDialogErr(te.reason ?? te.title);
    } finally {
      setBusy(false);
    }
  };

  // The core leaves track segments out, so 300 is 300 things the officer saved, not the last
  // two and a half hours of route (a segment every 30 s).
  const shown = items ?? [];
  return (
    <>
      <AppHeader title={t('history.title')} />
      <main class="screen">
        <nav aria-label={t('history.show')}>
          <Choice id="history-show" options={FILTERS} value={filter} onChange={setFilter} labelPrefix="history.filter" columns={2} />
        </nav>
        {filter === 'dispatches' ? (
          <>
            {dispatches.length === 0 ? <p class="lead">{t('history.dispatches_empty')}</p> : null}
            <ul class="entry-list" data-testid="dispatch-history">
              {dispatches.map((d) => (
                <DispatchItem key={d.order.id} d={d} />
              ))}
            </ul>
          </>
        ) : (
          <>
            {items === null ? <p class="muted">{t('common.loading')}</p> : null}
            {items && shown.length === 0 ? <p class="lead">{t('history.empty')}</p> : null}
            <ul class="entry-list">
              {shown.map((i) => (
                <Item key={i.seq} item={i} all={items ?? []} onWithdraw={setWithdraw} />
              ))}
            </ul>
            {items && items.length >= limit ? (
              <button type="button" class="btn btn-secondary btn-wide" onClick={() => setLimit(limit + PAGE)} data-testid="history-earlier">
                {t('history.earlier', { n: PAGE })}
              </button>
            ) : null}
            {shown.length > 0 ? <p class="muted small">{t('history.tracks_elsewhere')}</p> : null}
          </>
        )}
      </main>
      {withdraw ? (
        <ConfirmDialog
          title={t('history.withdraw_title', { seq: fmtSeq(withdraw.seq) })}
          body={t('history.withdraw_body')}
          confirmLabel={t('history.withdraw_confirm')}
          reasonLabel={t('history.withdraw_reason')}
          danger
          busy={busy}
          error={dialogErr}
          onCancel={() => {
            setWithdraw(null);
            setDialogErr(null);
          }}
          onConfirm={(r) => void doWithdraw(r)}
        />
      ) : null}
    </>
  );
}
