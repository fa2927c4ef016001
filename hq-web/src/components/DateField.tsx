//! A local-day picker (the city's days, YYYY-MM-DD) with "today" to go back to the city's today.

import { t } from '../i18n';
import { cityToday } from '../lib/time';
import { useApp } from '../state';

export function DateField({ value, onChange }: { value: string; onChange: (d: string) => void }) {
  const { tz } = useApp();
  return (
    <span class="datefield">
      <label>
        {t('common.date')}{' '}
        <input type="date" value={value} min="2000-01-01" max="2099-12-31" onChange={(e) => {
          const v = (e.target as HTMLInputElement).value;
          if (v) onChange(v);
        }} data-field="date" />
      </label>
      <button class="btn small" onClick={() => onChange(cityToday(tz))}>{t('common.today')}</button>
    </span>
  );
}

/** The day the views open on: the city's today, kept while the page lives. */
let lastDay: string | null = null;
export function rememberedDay(tz: string): string {
  return lastDay ?? cityToday(tz);
}
export function rememberDay(d: string): void {
  lastDay = d;
}
