//! The persistent header on every screen: back, the screen title, and the unsynced-count badge
//! (tap → sync). The badge is the officer's reassurance that nothing is lost: always visible,
//! and never "all synced" while the ledger, HQ's review or a stuck queue needs the officer.

import { goBack, navigate } from '../router';
import { stuckOf, useApp } from '../state/store';
import { t } from '../i18n';
import { syncBadge } from '../lib/badge';

export function AppHeader(props: { title: string; back?: boolean }) {
  const home = useApp((s) => s.home);
  const stuck = useApp(stuckOf);
  const badge = syncBadge(home, stuck);
  const simulated = home !== null && home.position_source !== 'gnss';
  return (
    <header class="appbar">
      {props.back !== false ? (
        <button type="button" class="appbar-back" onClick={goBack}>
          <span aria-hidden="true" class="chev" />
          {t('common.back')}
        </button>
      ) : (
        <span class="appbar-spacer" />
      )}
      <h1 class="appbar-title">{props.title}</h1>
      {simulated && home?.open_patrol ? (
        <span class="chip-sim" title={t('header.simulated')}>
          {t('header.simulated')}
        </span>
      ) : null}
      <button
        type="button"
        class={'badge-unsynced' + (badge.tone === 'attention' ? ' is-attention' : badge.tone === 'done' ? ' is-zero' : '')}
        data-testid="unsynced-badge"
        onClick={() => navigate('/sync')}
      >
        {t(badge.key, { n: badge.n })}
      </button>
    </header>
  );
}
