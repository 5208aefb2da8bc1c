// Small shared pieces: navigation, labelled fields with their API errors, problem text.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { t } from './i18n.js';

const routeListeners = new Set();
export function navigate(href, replace = false) {
  if (replace) history.replaceState(null, '', href); else history.pushState(null, '', href);
  routeListeners.forEach((l) => l());
  window.scrollTo(0, 0);
  // A screen reader starts over at the new page's content, as after a full load.
  requestAnimationFrame(() => document.getElementById('main')?.focus({ preventScroll: true }));
}
export function useRoute() {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const update = () => setPath(location.pathname + location.search);
    routeListeners.add(update);
    window.addEventListener('popstate', update);
    return () => { routeListeners.delete(update); window.removeEventListener('popstate', update); };
  }, []);
  return path;
}

export function Link({ href, children, ...rest }) {
  const click = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest}>{children}</a>;
}

/** Field errors from a problem: `errors: {field: [..]}`, plus the codes that name one field. */
export function problemErrors(error) {
  if (!(error instanceof ApiError)) return { _: [t('error')] };
  const errors = { ...error.errors };
  const codeField = { 'room.date-in-past': 'date', 'room.capacity-below-participants': 'capacity', 'room.anonymity-locked': 'anonymous' }[error.code];
  if (codeField) errors[codeField] = [error.message];
  if (Object.keys(errors).length === 0) errors._ = [error.message];
  return errors;
}

export function FieldError({ id, messages }) {
  if (!messages?.length) return null;
  return <p class="field-error" id={`${id}-error`} role="alert">{messages.join(' ')}</p>;
}

/** Errors that no field on the form shows. */
export function FormErrors({ errors, fields }) {
  const other = Object.entries(errors).filter(([key]) => !fields.some((f) => key === f || key.startsWith(`${f}.`)));
  if (other.length === 0) return null;
  return (
    <div class="form-errors" role="alert">
      {other.map(([key, messages]) => <p key={key}>{key === '_' ? '' : `${key}: `}{messages.join(' ')}</p>)}
    </div>
  );
}

export const fieldProps = (id, errors, key = id) =>
  errors[key]?.length ? { id, 'aria-invalid': 'true', 'aria-describedby': `${id}-error` } : { id };

export function Problem({ error }) {
  if (!error) return null;
  return <p class="problem" role="alert">{error instanceof ApiError ? error.message : t('error')}</p>;
}

export const label = (value) => String(value).replaceAll('_', ' ').toLowerCase();
