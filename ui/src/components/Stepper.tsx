//! − count + with 56 px buttons, for volunteers, people and seized items: no keyboard needed.

import { t } from '../i18n';

export function Stepper(p: {
  id: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
  min?: number;
  max?: number;
}) {
  const min = p.min ?? 0;
  const max = p.max ?? 999;
  return (
    <div class="stepper-row" data-field={p.id}>
      <span class="stepper-label" id={p.id + '-label'}>
        {p.label}
      </span>
      <div class="stepper" role="group" aria-labelledby={p.id + '-label'}>
        <button
          type="button"
          class="step"
          aria-label={t('common.decrease', { what: p.label })}
          disabled={p.value <= min}
          onClick={() => p.onChange(Math.max(min, p.value - 1))}
        >
          −
        </button>
        <output class="step-value" id={p.id} aria-live="polite">
          {p.value}
        </output>
        <button
          type="button"
          class="step"
          aria-label={t('common.increase', { what: p.label })}
          disabled={p.value >= max}
          onClick={() => p.onChange(Math.min(max, p.value + 1))}
        >
          +
        </button>
      </div>
    </div>
  );
}
