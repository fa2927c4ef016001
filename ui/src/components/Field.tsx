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
      onInput={(e) => p.onInput((e.currentTarget as HTMLTextAreaElement).value)}
    />
  );
}

/** A banner at the top of a form for errors that are not about one field. */
export function ErrorBanner(p: { title: string; detail?: string | null }) {
  return (
    <div class="banner banner-error" role="alert">
      <strong>{p.title}</strong>
      {p.detail ? <p class="banner-detail">{p.detail}</p> : null}
    </div>
  );
}
