//! The geofence's suggestion (`post_suggestion`) as a banner: "已到达 洞庭大道/光荣路（P05）？
//! [确认到岗]" or "已离开 …？[确认离岗]". One tap confirms with the fence's evidence; nothing is
//! written before. Checked on mount, on each position (at most every few seconds), after every
//! commit, and every 15 s. Renders nothing when there is no suggestion (always so without a
//! running patrol: fixes are recorded only while one runs).

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { PostSuggestion } from '../api/types';
import { t, tError } from '../i18n';
import { errorToast, refreshHome, toast, useLedger } from '../state/store';

export function PostSuggestionBanner(p: { onConfirmed?: () => void }) {
  const [s, setS] = useState<PostSuggestion | null>(null);
  const [busy, setBusy] = useState(false);
  const lastLoad = useRef(0);

  const load = useCallback(() => {
    lastLoad.current = Date.now();
    void api()
      .postSuggestion()
      .then(setS)
      .catch(() => setS(null)); // a hint only: never an error toast every few seconds
  }, []);

  useEffect(() => {
    load();
    const id = setInterval(load, 15_000);
    let unlisten: (() => void) | null = null;
    let cancelled = false;
    void api()
      .on('position', () => {
        if (Date.now() - lastLoad.current > 5000) load();
      })
      .then((u) => (cancelled ? u() : (unlisten = u)));
    return () => {
      cancelled = true;
      clearInterval(id);
      unlisten?.();
    };
  }, [load]);
  useLedger(load);

  if (!s) return null;
  const arriving = s.action === 'arrive';
  const confirm = async () => {
    setBusy(true);
    try {
      if (arriving) await api().postArrive({ post_id: s.post_id, evidence: s.evidence });
      else await api().postLeave(s.post_id, s.evidence);
      toast(t(arriving ? 'posts.arrived' : 'posts.left', { name: s.name }));
      setS(null);
      void refreshHome();
      p.onConfirmed?.();
    } catch (e) {
      errorToast(e, (x) => tError(x).title);
      load();
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class={'banner banner-info suggestion ' + (arriving ? 'suggest-arrive' : 'suggest-leave')} role="status" data-testid="post-suggestion" data-post={s.post_id}>
      <p class="suggestion-text">{t(arriving ? 'posts.suggest_arrive' : 'posts.suggest_leave', { name: s.name, id: s.post_id })}</p>
      <p class="small">
        {arriving
          ? t('posts.suggest_evidence', { n: s.evidence.fixes_inside, s: s.evidence.dwell_s })
          : t('posts.suggest_evidence_leave', { s: s.evidence.dwell_s })}
      </p>
      <button type="button" class={'btn banner-button ' + (arriving ? 'btn-strong' : 'btn-danger')} disabled={busy} onClick={() => void confirm()}>
        {t(arriving ? 'posts.confirm_arrive' : 'posts.confirm_leave')}
      </button>
    </div>
  );
}
