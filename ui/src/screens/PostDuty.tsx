//! Post duty (驻点执勤): each post with its on-post state, minutes on post in the current duty
//! window with a progress bar, today's windows, and big arrive / leave buttons.

import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { PostDuty as Duty } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { t, tError } from '../i18n';
import { errorToast, toast, useLedger } from '../state/store';

function pct(x: number): number {
  return Math.max(0, Math.min(100, Math.round(x * 100)));
}

function PostCard(p: { d: Duty; busy: boolean; onToggle: () => void }) {
  const { d } = p;
  const cw = d.current_window;
  const windowMin = cw ? Math.round((cw.end_ms - cw.start_ms) / 60_000) : 0;
  const cur = cw ? d.windows.find((w) => w.start_ms === cw.start_ms) : undefined;
  return (
    <li class={'card post' + (d.on_post ? ' is-on' : '')} data-post={d.post_id}>
      <div class="post-head">
        <p class="card-title">
          {d.name} <span class="muted">{d.post_id}</span>
        </p>
        <span class={'state-badge ' + (d.on_post ? 'state-on' : 'state-off')}>{d.on_post ? t('posts.on_post') : t('posts.off_post')}</span>
      </div>
      {cw && cur ? (
        <div class="post-window">
          <p>
            {t('posts.window', cur.window)} · {t('posts.minutes', { n: cw.minutes_on_post })}
          </p>
          <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={windowMin} aria-valuenow={cw.minutes_on_post}>
            <div class="progress-bar" style={{ width: `${pct(cw.minutes_on_post / Math.max(1, windowMin))}%` }} />
          </div>
        </div>
      ) : (
        <p class="muted">{t('posts.no_window')}</p>
      )}
      <p class="post-windows small">
        {t('format.label_value', {
          label: t('posts.windows_today'),
          value: d.windows.map((w) => `${t('posts.window', w.window)} ${pct(w.held_fraction)}%`).join(' · '),
        })}
      </p>
      <button type="button" class={'btn btn-wide ' + (d.on_post ? 'btn-danger' : 'btn-strong')} disabled={p.busy} onClick={p.onToggle}>
        {d.on_post ? t('posts.leave') : t('posts.arrive')}
      </button>
    </li>
  );
}

export function PostDuty() {
  const [duty, setDuty] = useState<Duty[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
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

  const toggle = async (d: Duty) => {
    setBusy(d.post_id);
    try {
      if (d.on_post) await api().postLeave(d.post_id);
      else await api().postArrive(d.post_id);
      toast(t(d.on_post ? 'posts.left' : 'posts.arrived', { name: d.name }));
      load();
    } catch (e) {
      errorToast(e, (x) => tError(x).title);
    } finally {
      setBusy(null);
    }
  };

  const sorted = duty ? [...duty].sort((a, b) => Number(b.on_post) - Number(a.on_post)) : null;
  return (
    <>
      <AppHeader title={t('posts.title')} />
      <main class="screen">
        {sorted === null ? <p class="muted">{t('common.loading')}</p> : null}
        {sorted && sorted.length === 0 ? <div class="banner banner-warn">{t('posts.none')}</div> : null}
        <ul class="post-list">
          {(sorted ?? []).map((d) => (
            <PostCard key={d.post_id} d={d} busy={busy === d.post_id} onToggle={() => void toggle(d)} />
          ))}
        </ul>
      </main>
    </>
  );
}
