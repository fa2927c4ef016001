//! The position's health, always visible on Home and the live patrol: the tracking state, the
//! accuracy and how long ago the last fix came, coloured amber after 30 s without a fix and red
//! after 2 minutes (Rust decides: `GpsHealth`). Ages count on between refreshes.

import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import type { GpsHealth } from '../api/types';
import { t, tk } from '../i18n';
import { useNow } from '../lib/hooks';

/** "3 秒前" / "2 分钟前" for an age in ms. */
export function gpsAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? t('gps.age_s', { s }) : t('gps.age_min', { m: Math.floor(s / 60) });
}

export function GpsStatus(p: { gps: GpsHealth; children?: ComponentChildren }) {
  const now = useNow(1000);
  // The age Rust gave is as of the answer; it grows until the next one.
  const got = useRef({ gps: p.gps, at: Date.now() });
  if (got.current.gps !== p.gps) got.current = { gps: p.gps, at: Date.now() };
  const g = p.gps;
  const age = g.fix_age_ms === null ? null : g.fix_age_ms + Math.max(0, now - got.current.at);
  return (
    <p class={`gps gps-${g.level}`} role="status" data-testid="gps-status" data-state={g.state} data-level={g.level}>
      <span class="gps-dot" aria-hidden="true" />
      <strong>{tk(`gps.state.${g.state}`)}</strong>
      {g.accuracy_m !== null ? (
        <span>
          {' · '}
          {t('gps.accuracy', { m: Math.round(g.accuracy_m) })}
          {g.poor_accuracy ? ` (${t('gps.poor')})` : ''}
        </span>
      ) : null}
      {age !== null ? <span> · {gpsAge(age)}</span> : null}
      {p.children}
    </p>
  );
}
