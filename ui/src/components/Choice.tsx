//! Big tappable choices: a single choice (segmented chips), a multi choice (check chips) and a
//! yes/no toggle. Selection is shown by colour AND a check mark, never by colour alone.

import { tk } from '../i18n';

type ChoiceProps<T extends string> = {
  id: string;
  options: readonly T[];
  value: T | null;
  onChange: (v: T) => void;
  labelPrefix: string;
  columns?: number;
  invalid?: boolean;
  /** `data-testid` of each option: `<testIdPrefix>-<option>`. */
  testIdPrefix?: string;
};

export function Choice<T extends string>(p: ChoiceProps<T>) {
  return (
    <div
      class={'choices' + (p.columns ? ` cols-${p.columns}` : '')}
      role="radiogroup"
      id={p.id}
      aria-invalid={p.invalid ? 'true' : undefined}
    >
      {p.options.map((o) => (
        <button
          type="button"
          key={o}
          role="radio"
          aria-checked={p.value === o}
          class={'chip' + (p.value === o ? ' on' : '')}
          data-value={o}
          data-testid={p.testIdPrefix ? `${p.testIdPrefix}-${o}` : undefined}
          onClick={() => p.onChange(o)}
        >
          {tk(`${p.labelPrefix}.${o}`)}
        </button>
      ))}
    </div>
  );
}

type MultiProps<T extends string> = {
  id: string;
  options: readonly T[];
  value: T[];
  onChange: (v: T[]) => void;
  labelPrefix: string;
};

export function MultiChoice<T extends string>(p: MultiProps<T>) {
  const toggle = (o: T) =>
    p.onChange(p.value.includes(o) ? p.value.filter((x) => x !== o) : p.options.filter((x) => x === o || p.value.includes(x)));
  return (
    <div class="choices" id={p.id} role="group">
      {p.options.map((o) => (
        <button
          type="button"
          key={o}
          role="checkbox"
          aria-checked={p.value.includes(o)}
          class={'chip' + (p.value.includes(o) ? ' on' : '')}
          data-value={o}
          onClick={() => toggle(o)}
        >
          {tk(`${p.labelPrefix}.${o}`)}
        </button>
      ))}
    </div>
  );
}

export function Toggle(p: { id: string; label: string; value: boolean; onChange: (v: boolean) => void }) {
  return (
    <button
      type="button"
      id={p.id}
      role="switch"
      aria-checked={p.value}
      class={'toggle' + (p.value ? ' on' : '')}
      onClick={() => p.onChange(!p.value)}
    >
      <span class="toggle-box" aria-hidden="true" />
      <span class="toggle-label">{p.label}</span>
    </button>
  );
}
