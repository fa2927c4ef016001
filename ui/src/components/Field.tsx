//! A labelled form field with its hint and its error right under it (the error names what is
//! wrong in the officer's language; Rust's own message is kept as a tooltip-free detail line).

import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

export type FieldProps = {
  id: string;
  label: string;
  hint?: string;
  error?: string | null;
  optional?: boolean;
  children: ComponentChildren;
};

export function Field(p: FieldProps) {
  return (
    <div class={'field' + (p.error ? ' has-error' : '')} data-field={p.id}>
      <label for={p.id} class="field-label">
        {p.label}
        {p.optional ? <span class="field-optional">{t('common.optional')}</span> : null}
      </label>
      {p.children}
      {p.error ? (
        <p class="field-error" id={p.id + '-error'} role="alert">
          {p.error}
        </p>
      ) : p.hint ? (
        <p class="field-hint" id={p.id + '-hint'}>
          {p.hint}
        </p>
      ) : null}
    </div>
  );
}

type InputProps = {
  id: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  inputMode?: 'text' | 'numeric' | 'url' | 'decimal';
  placeholder?: string;
  invalid?: boolean;
  autoCapitalize?: 'none' | 'off' | 'on' | 'characters';
  maxLength?: number;
  testId?: string;
};

export function TextInput(p: InputProps) {
  return (
    <input
      id={p.id}
      name={p.id}
      type={p.type ?? 'text'}
      inputMode={p.inputMode}
      value={p.value}
      placeholder={p.placeholder}
      aria-invalid={p.invalid ? 'true' : undefined}
      aria-describedby={p.invalid ? p.id + '-error' : p.id + '-hint'}
      autoCapitalize={p.autoCapitalize}
      maxLength={p.maxLength}
      data-testid={p.testId}
      autoComplete="off"
      spellcheck={false}
      onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
    />
  );
}

export function TextArea(p: InputProps & { rows?: number }) {
  return (
    <textarea
      id={p.id}
      name={p.id}
      rows={p.rows ?? 3}
      value={p.value}
      placeholder={p.placeholder}
      aria-invalid={p.invalid ? 'true' : undefined}
      aria-describedby={p.invalid ? p.id + '-error' : p.id + '-hint'}
      maxLength={p.maxLength}
      data-testid={p.testId}
      onInput={(e) => p.onInput((e.currentTarget as HTMLTextAreaElement).value)}
    />
  );
}

/** A banner at the top of a form for errors that are not about one field, or listing the
 * failing fields (`items`, each "label: why", `data-field` naming the field). */
export function ErrorBanner(p: { title: string; detail?: string | null; items?: { field: string; text: string }[] }) {
  return (
    <div class="banner banner-error" role="alert" data-testid="form-errors">
      <strong>{p.title}</strong>
      {p.detail ? <p class="banner-detail">{p.detail}</p> : null}
      {p.items?.length ? (
        <ul class="banner-detail banner-list">
          {p.items.map((i) => (
            <li key={i.field} data-field-error={i.field}>
              {i.text}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
