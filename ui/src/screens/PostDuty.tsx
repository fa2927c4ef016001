//! Post duty (驻点执勤): the geofence's suggestion as a banner (one tap confirms), each post with
//! its on-post state (a manual check-in marked 手动), 本组 when it is in a cell of the running
//! patrol's group, its distance from the last fresh fix (Rust orders the list: on post,
//! assigned, nearest), minutes on post in the current duty window
//! with a progress bar, today's windows, big arrive / leave buttons — arriving opens a sheet
//! for who holds the post (officers, volunteers by category) — and the one-tap violation
//! buttons, which need no patrol.

import { Fragment } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { PostDuty as Duty } from '../api/types';
import { VOLUNTEER_CATEGORIES } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { Field } from '../components/Field';
import { PostSuggestionBanner } from '../components/PostSuggestionBanner';
import { Stepper } from '../components/Stepper';
import { ViolationPad } from '../components/ViolationPad';
import { fmtDistance, t, tError, tIssue, type Key } from '../i18n';
import { arriveArgs, crewIssue, newCrew, volunteerTotal, type Crew } from '../lib/crew';
import { errorToast, refreshHome, toast, useLedger } from '../state/store';

function pct(x: number): number {
  return Math.max(0, Math.min(100, Math.round(x * 100)));
}

function PostCard(p: { d: Duty; busy: boolean; onToggle: () => void }) {
  const { d } = p;
  const cw = d.current_window;
  const windowMin = cw ? Math.round((cw.end_ms - cw.start_ms) / 60_000) : 0;
  // Rust sends fractional minutes: whole minutes for people.
  const heldMin = cw ? Math.floor(cw.minutes_on_post) : 0;
  const cur = cw ? d.windows.find((w) => w.start_ms === cw.start_ms) : undefined;
  return (
    <li class={'card post' + (d.on_post ? ' is-on' : '')} data-post={d.post_id}>
      <div class="post-head">
        <p class="card-title">
          {d.name} <span class="muted">{d.post_id}</span>
        </p>
        <span class="post-badges">
          {d.on_post && d.arrival_source === 'manual' ? (
            <span class="state-badge state-manual" data-testid="manual-badge">
              {t('posts.manual')}
            </span>
          ) : null}
          {d.assigned ? (
            <span class="state-badge state-ours" data-testid="assigned-badge">
              {t('posts.assigned')}
            </span>
          ) : null}
          <span class={'state-badge ' + (d.on_post ? 'state-on' : 'state-off')}>{d.on_post ? t('posts.on_post') : t('posts.off_post')}</span>
        </span>
      </div>
      {d.distance_m !== null ? (
        <p class="post-distance" data-testid="post-distance">
          {t('posts.distance', { d: fmtDistance(d.distance_m) })}
        </p>
      ) : null}
      {cw && cur ? (
        <div class="post-window">
          <p>
            <span class="nowrap">{t('posts.window', cur.window)}</span> · <span class="nowrap">{t('posts.minutes', { n: heldMin })}</span>
          </p>
          <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={windowMin} aria-valuenow={heldMin}>
            <div class="progress-bar" style={{ width: `${pct(cw.minutes_on_post / Math.max(1, windowMin))}%` }} />
          </div>
        </div>
      ) : (
        <p class="muted">{t('posts.no_window')}</p>
      )}
      {/* A duty window never breaks inside "06:00–09:00": each window (with its share) is one unit. */}
      <p class="post-windows small">
        {t('format.label_value', { label: t('posts.windows_today'), value: '' })}
        {d.windows.map((w, i) => (
          <Fragment key={w.start_ms}>
            {i > 0 ? ' · ' : null}
            <span class="nowrap duty-window">{`${t('posts.window', w.window)} ${pct(w.held_fraction)}%`}</span>
          </Fragment>
        ))}
      </p>
      <button type="button" class={'btn btn-wide ' + (d.on_post ? 'btn-danger' : 'btn-strong')} disabled={p.busy} onClick={p.onToggle}>
        {d.on_post ? t('posts.leave') : t('posts.arrive')}
      </button>
    </li>
  );
}

/** Who holds the post: officer rows (at least one) and volunteers by category, one confirm. */
function ArrivalSheet(p: { d: Duty; busy: boolean; onConfirm: (c: Crew) => void; onCancel: () => void }) {
  const [crew, setCrew] = useState<Crew>(() => newCrew());
  const [touched, setTouched] = useState(false);
  const issue = crewIssue(crew);
  const setOfficer = (i: number, v: string) => setCrew({ ...crew, officers: crew.officers.map((o, j) => (j === i ? v : o)) });
  return (
    <div class="overlay" role="presentation">
      <div class="sheet arrival-sheet" role="dialog" aria-modal="true" aria-labelledby="arrival-title">
        <h2 id="arrival-title" class="sheet-title">
          {t('posts.arrive_title', { name: p.d.name, id: p.d.post_id })}
        </h2>
        <div class="sheet-scroll">
          <Field id="officer-0" label={t('posts.officers')} error={touched && issue ? tIssue(issue) : null}>
            <ul class="officer-rows">
              {crew.officers.map((o, i) => (
                <li key={i} class="input-row">
                  <input
                    id={`officer-${i}`}
                    value={o}
                    placeholder={t('start.officer_placeholder')}
                    maxLength={40}
                    aria-label={t('posts.officer_n', { n: i + 1 })}
                    onInput={(e) => setOfficer(i, (e.currentTarget as HTMLInputElement).value)}
                  />
                  {crew.officers.length > 1 ? (
                    <button
                      type="button"
                      class="btn btn-secondary"
                      aria-label={t('posts.officer_remove', { n: i + 1 })}
                      onClick={() => setCrew({ ...crew, officers: crew.officers.filter((_, j) => j !== i) })}
                    >
                      {t('common.remove')}
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
            <button type="button" class="btn btn-secondary btn-wide" onClick={() => setCrew({ ...crew, officers: [...crew.officers, ''] })}>
              {t('posts.officer_add')}
            </button>
          </Field>
          <fieldset class="fieldset" data-field="volunteers">
            <legend class="field-label">
              {t('start.volunteers')} · {t('start.volunteers_total', { n: volunteerTotal(crew) })}
            </legend>
            {VOLUNTEER_CATEGORIES.map((c) => (
              <Stepper
                key={c}
                id={`arrival-volunteers.${c}`}
                label={t(`volunteer.category.${c}`)}
                value={crew.volunteers[c]}
                max={500}
                onChange={(n) => setCrew({ ...crew, volunteers: { ...crew.volunteers, [c]: n } })}
              />
            ))}
          </fieldset>
        </div>
        <div class="sheet-actions">
          <button type="button" class="btn btn-secondary" onClick={p.onCancel} disabled={p.busy}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            class="btn btn-primary"
            data-testid="arrival-confirm"
            disabled={p.busy}
            onClick={() => {
              setTouched(true);
              if (!issue) p.onConfirm(crew);
            }}
          >
            {t('posts.confirm_arrive')}
          </button>
        </div>
      </div>
    </div>
  );
}

export function PostDuty() {
  const [duty, setDuty] = useState<Duty[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [arriving, setArriving] = useState<Duty | null>(null);
  const load = useCallback(() => {
    void api()
      .postDuty()
      .then(setDuty)
      .catch((e) => errorToast(e, (x) => tError(x).title));
  }, []);
  useEffect(() => {
    load();
    const id = setInterval(load, 30_000);
    return () => clearInterval(id);
  }, [load]);
  useLedger(load);

  const run = async (d: Duty, f: () => Promise<unknown>, done: Key) => {
    setBusy(d.post_id);
    try {
      await f();
      toast(t(done, { name: d.name }));
      setArriving(null);
      void refreshHome();
      load();
    } catch (e) {
      errorToast(e, (x) => tError(x).title);
    } finally {
      setBusy(null);
    }
  };
  const toggle = (d: Duty) => {
    if (d.on_post) void run(d, () => api().postLeave(d.post_id), 'posts.left');
    else setArriving(d);
  };

  const card = (d: Duty) => <PostCard key={d.post_id} d={d} busy={busy === d.post_id} onToggle={() => toggle(d)} />;
  // Held posts first, then the violation buttons within thumb reach, then the other posts.
  const held = (duty ?? []).filter((d) => d.on_post);
  const others = (duty ?? []).filter((d) => !d.on_post);
  return (
    <>
      <AppHeader title={t('posts.title')} />
      <main class="screen posts-screen">
        <div class="posts-top">
          <PostSuggestionBanner onConfirmed={load} />
          {duty === null ? <p class="muted">{t('common.loading')}</p> : null}
          {duty && duty.length === 0 ? <div class="banner banner-warn">{t('posts.none')}</div> : null}
        </div>
        <ul class="post-list posts-held">{held.map(card)}</ul>
        <section class="posts-violations" aria-labelledby="post-violations">
          <h2 id="post-violations" class="card-kicker">
            {t('posts.violations')}
          </h2>
          <ViolationPad />
        </section>
        <ul class="post-list posts-other">{others.map(card)}</ul>
      </main>
      {arriving ? (
        <ArrivalSheet
          d={arriving}
          busy={busy === arriving.post_id}
          onCancel={() => setArriving(null)}
          onConfirm={(c) => void run(arriving, () => api().postArrive(arriveArgs(arriving.post_id, c)), 'posts.arrived')}
        />
      ) : null}
    </>
  );
}
