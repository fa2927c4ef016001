//! The life of a report form: start empty, from a draft (`?draft=ID`) or from an entry being
//! corrected (`?correct=SEQ`); autosave to Rust (`save_draft`, debounced); validate like Rust;
//! submit with `submit_report` (which deletes the draft in the same transaction) or, for a
//! correction, with `supplement` and a required reason. Errors land under their field.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorFor, toApiError } from '../api';
import type { Draft, HistoryItem, ReportBody, ReportKind } from '../api/types';
import { t, tError, tField, tIssue, type Key } from '../i18n';
import { recordOf, standing, type RecordOf } from '../lib/record';
import type { Issue } from '../lib/validate';
import { navigate, type Route } from '../router';
import { getState, toast } from './store';

export type FormSpec<F, K extends ReportKind> = {
  kind: K;
  empty: () => F;
  toBody: (f: F) => ReportBody;
  /** The form for correcting a record of this kind, as it stands. */
  fromBody: (b: RecordOf<K>) => F;
  /** Every fault the app can tell before sending, one per field; the first is the one Rust
   * would answer with (lib/rules.ts's `…Issues`). */
  validate: (b: ReportBody) => Issue[];
  /** The form's own label of a field (`outcome` → "处置结果"), for the list of faults; a field
   * without one is named by `tField`. */
  labels?: Partial<Record<string, Key>>;
  /** Where the current position goes in the body. */
  positionKey: 'at' | 'found_at';
};

type DraftBody<F> = { v: 1; form: F; correct_seq?: number; reason?: string };
export type DraftStatus = { state: 'idle' | 'saving' | 'saved' | 'failed'; at?: number; error?: string };

const AUTOSAVE_MS = 700;

export function newDraftId(kind: string): string {
  const rnd = Math.random().toString(36).slice(2, 10);
  return `${kind.slice(0, 8)}-${Date.now().toString(36)}-${rnd}`.slice(0, 32);
}

/** The entry `seq` as it stands now (its record the newest correction's, else the original);
 * narrow on its `kind` to read the record. */
export async function standingEntry(seq: number): Promise<HistoryItem | null> {
  const items = await api().history(1000);
  const item = items.find((i) => i.seq === seq);
  return item ? standing(item, items) : null;
}

export function useReportForm<F extends object, K extends ReportKind>(spec: FormSpec<F, K>, route: Route) {
  const draftParam = route.params.get('draft');
  const correctParam = Number(route.params.get('correct')) || null;
  const [form, setForm] = useState<F>(spec.empty);
  const [loading, setLoading] = useState(Boolean(draftParam || correctParam));
  const [correctSeq, setCorrectSeq] = useState<number | null>(correctParam);
  const [reason, setReasonState] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [apiErr, setApiErr] = useState<ApiError | null>(null);
  const [draft, setDraft] = useState<DraftStatus>({ state: 'idle' });
  const [otherDrafts, setOtherDrafts] = useState<Draft[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const draftId = useRef<string | null>(draftParam);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inflight = useRef<Promise<unknown> | null>(null);
  const latest = useRef({ form, reason, correctSeq });
  latest.current = { form, reason, correctSeq };

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        if (draftParam) {
          const d = (await api().drafts()).find((x) => x.id === draftParam);
          const body = d?.body as DraftBody<F> | undefined;
          if (live && body?.form) {
            setForm({ ...spec.empty(), ...body.form });
            setCorrectSeq(body.correct_seq ?? null);
            setReasonState(body.reason ?? '');
            toast(t('report.draft_resumed'), { tone: 'info' });
          }
        } else if (correctParam) {
          const found = await standingEntry(correctParam);
          const record = found && recordOf(found, spec.kind);
          if (live && record) setForm({ ...spec.empty(), ...spec.fromBody(record) });
        } else {
          const mine = (await api().drafts()).filter((d) => d.kind === spec.kind);
          if (live) setOtherDrafts(mine);
        }
      } catch (e) {
        if (live) setApiErr(toApiError(e));
      } finally {
        if (live) setLoading(false);
      }
    })();
    return () => {
      live = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [draftParam, correctParam]);

  const saveDraft = () => {
    timer.current = null;
    const { form: f, reason: r, correctSeq: c } = latest.current;
    const id = (draftId.current ??= newDraftId(spec.kind));
    const body: DraftBody<F> = { v: 1, form: f };
    if (c) Object.assign(body, { correct_seq: c, reason: r });
    setDraft({ state: 'saving' });
    const p = api()
      .saveDraft({ id, kind: spec.kind, body })
      .then((d) => setDraft({ state: 'saved', at: d.updated_ms }))
      .catch((e) => setDraft({ state: 'failed', error: tError(toApiError(e)).title }));
    inflight.current = p;
    return p;
  };

  const schedule = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void saveDraft(), AUTOSAVE_MS);
  };

  const clearErrorsFor = (keys: string[]) => {
    const hit = (f?: string) => f !== undefined && keys.some((k) => f.replace(/^correction\./, '').startsWith(k));
    if (issues.some((i) => hit(i.field))) setIssues(issues.filter((i) => !hit(i.field)));
    if (apiErr && (hit(apiErr.field) || !apiErr.field)) setApiErr(null);
  };

  const update = (patch: Partial<F>) => {
    setForm((f) => ({ ...f, ...patch }));
    clearErrorsFor(Object.keys(patch));
    schedule();
  };

  const setReason = (r: string) => {
    setReasonState(r);
    clearErrorsFor(['reason']);
    schedule();
  };

  /** The translated error for a field (client check first, then Rust's answer). */
  const errorOf = (field: string): string | null => {
    const strip = (f: string) => f.replace(/^correction\./, '');
    const issue = issues.find((i) => strip(i.field) === field || strip(i.field).startsWith(field + '.') || strip(i.field).startsWith(field + '['));
    if (issue) return tIssue(issue);
    if (apiErr?.field) {
      const e = errorFor(apiErr.at(strip(apiErr.field)), field);
      if (e) return tError(e).reason ?? tError(e).title;
    }
    return null;
  };

  /** A field as this form labels it (its own label, else the generic field name). */
  const labelOf = (field: string): string => {
    const key = spec.labels?.[field.replace(/^correction\./, '')];
    return key ? t(key) : tField(field);
  };

  /** What the banner says: for faults of fields, each failing field by its label and why. */
  const banner = (): { title: string; detail: string | null; items?: { field: string; text: string }[] } | null => {
    if (issues.length) {
      const items = issues.map((i) => ({ field: i.field, text: t('format.label_value', { label: labelOf(i.field), value: tIssue(i) }) }));
      return { title: t('report.fix_errors'), detail: null, items };
    }
    if (!apiErr) return null;
    const te = tError(apiErr);
    return apiErr.kind === 'invalid' && apiErr.field
      ? {
          title: t('report.fix_errors'),
          detail: null,
          items: [{ field: apiErr.field, text: t('format.label_value', { label: labelOf(apiErr.field), value: te.reason ?? '' }) }],
        }
      : { title: te.title, detail: t('common.detail', { message: te.detail }) };
  };

  const submit = async () => {
    if (submitting) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    await inflight.current?.catch(() => undefined);
    const body = spec.toBody(form) as unknown as Record<string, unknown>;
    const fix = getState().home?.open_patrol?.last_fix;
    if (fix && body[spec.positionKey] === undefined && !correctSeq) body[spec.positionKey] = { lat: fix.lat, lon: fix.lon };
    const found = [
      ...spec.validate(body as unknown as ReportBody),
      ...(correctSeq && !reason.trim() ? [{ field: 'reason', code: 'required', message: 'is required' } as Issue] : []),
    ];
    setIssues(found);
    setApiErr(null);
    if (found.length) return focusField(found[0].field);
    setSubmitting(true);
    const here = location.hash;
    try {
      let seq: number;
      if (correctSeq) {
        seq = (await api().supplement({ seq: correctSeq, reason: reason.trim(), correction: body })).seq;
        if (draftId.current) await api().discardDraft(draftId.current).catch(() => false);
        toast(t('report.corrected', { seq: '#' + correctSeq }));
      } else {
        const saved = await api().submitReport({ kind: spec.kind, body: body as unknown as ReportBody, draft_id: draftId.current ?? undefined });
        seq = saved.seq;
        toast(t('report.submitted', { seq: '#' + seq }));
      }
      draftId.current = null;
      // Leave the form only if the officer has not already gone elsewhere meanwhile.
      if (location.hash === here) navigate(correctSeq ? '/history' : getState().home?.open_patrol ? '/patrol/live' : '/', { replace: true });
    } catch (e) {
      const err = toApiError(e);
      setApiErr(err);
      if (err.field) focusField(err.field.replace(/^correction\./, ''));
    } finally {
      setSubmitting(false);
    }
  };

  return { form, update, loading, correctSeq, reason, setReason, errorOf, banner, draft, otherDrafts, submitting, submit };
}

/** Scroll the field named by a (possibly nested) path into view and focus it. A field the form
 * shows only once it is asked for (an accident's reason for missing photos) is looked for again
 * after the form has drawn the fault. */
export function focusField(path: string, again = true): void {
  if (typeof document === 'undefined') return;
  let p = path;
  if (again && !document.querySelector(`[data-field="${CSS.escape(p.split(/[.[]/)[0])}"]`)) {
    setTimeout(() => focusField(path, false), 0);
    return;
  }
  for (;;) {
    const el = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(p)}"]`);
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.querySelector<HTMLElement>('input, textarea, select, button')?.focus({ preventScroll: true });
      return;
    }
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return;
    p = p.slice(0, cut);
  }
}
