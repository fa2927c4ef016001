//! On a phone the live map folds into one strip under the violation buttons: the grid cell and
//! the heading (an arrow and its compass point), one tap to show the map under it and one to
//! fold it again. The buttons above never move; the choice is kept on the device, so an officer
//! who wants the map sees it on the next patrol too. A dispatch the unit is on opens it once (its
//! scene is drawn there); folded again, it stays folded. Tablets and landscape show the full map.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t, tk } from '../i18n';
import { compassPoint } from '../lib/geo';

const KEY = 'patrol.live-map-open';

function readOpen(): boolean {
  try {
    return globalThis.localStorage?.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

function keepOpen(open: boolean) {
  try {
    globalThis.localStorage?.setItem(KEY, open ? '1' : '0');
  } catch {
    // A private window without storage: the choice lasts as long as the screen.
  }
}

export function MapStrip(p: {
  cell: string;
  heading: number | null;
  /** The dispatch the unit is on, if any: a new one opens the map once. */
  dispatch?: string | null;
  children: ComponentChildren;
}) {
  const [open, setOpen] = useState(readOpen);
  const body = useRef<HTMLDivElement>(null);
  const opened = useRef(false);
  const shownFor = useRef<string | null>(null);
  useEffect(() => {
    if (p.dispatch && p.dispatch !== shownFor.current) {
      shownFor.current = p.dispatch;
      setOpen(true);
    }
  }, [p.dispatch]);
  useEffect(() => {
    // Shown on a tap: bring the map into view (on a phone it opens below the fold).
    if (open && opened.current) body.current?.scrollIntoView?.({ block: 'nearest' });
  }, [open]);
  const toggle = () => {
    opened.current = !open;
    keepOpen(!open);
    setOpen(!open);
  };
  const compass = p.heading === null ? null : compassPoint(p.heading);
  return (
    <section class="map-strip" data-testid="map-strip" data-open={open ? 'true' : 'false'}>
      <button type="button" class="map-strip-bar" data-testid="map-toggle" aria-expanded={open} aria-controls="live-map" onClick={toggle}>
        <span class="map-strip-fact" data-testid="map-strip-cell">
          <span class="map-strip-key">{t('live.cell')}</span>
          <b>{p.cell}</b>
        </span>
        <span class="map-strip-fact" data-testid="map-strip-heading" data-heading={p.heading === null ? '' : Math.round(p.heading)}>
          <span class="map-strip-key">{t('live.heading')}</span>
          {compass === null ? (
            <b>{t('live.heading_unknown')}</b>
          ) : (
            <b>
              <svg class="map-strip-arrow" viewBox="0 0 20 20" aria-hidden="true" style={{ transform: `rotate(${Math.round(p.heading ?? 0)}deg)` }}>
                <path d="M10 2 L16 17 L10 13 L4 17 Z" />
              </svg>
              {tk(`dispatch.compass.${compass}`)}
            </b>
          )}
        </span>
        <span class="map-strip-toggle">
          {open ? t('live.map_hide') : t('live.map_show')}
          <svg class={open ? 'map-strip-chevron open' : 'map-strip-chevron'} viewBox="0 0 20 20" aria-hidden="true">
            <path d="M4 7 L10 13 L16 7" />
          </svg>
        </span>
      </button>
      {open ? (
        <div id="live-map" class="map-strip-body" ref={body}>
          {p.children}
        </div>
      ) : null}
    </section>
  );
}
