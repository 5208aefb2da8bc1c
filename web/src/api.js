// HTTP to the Partner API: the access token lives only in memory; a 401 refreshes it once through the cookie.
let accessToken = null;
let tokenExpiresAt = 0;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.code = this.problem.code;
    this.errors = this.problem.errors ?? {};
  }
}

export const auth = {
  get token() { return accessToken; },
  get signedIn() { return accessToken !== null; },
  onChange(listener) { listeners.add(listener); return () => listeners.delete(listener); },
};

function setToken(token, expiresIn) {
  const changed = (token === null) !== (accessToken === null);
  accessToken = token;
  tokenExpiresAt = token ? Date.now() + (expiresIn ?? 900) * 1000 : 0;
  if (changed) listeners.forEach((l) => l(token !== null));
}

export function refresh() {
  refreshing ??= fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' })
    .then(async (r) => {
      if (!r.ok) { setToken(null); return false; }
      const body = await r.json();
      setToken(body.accessToken, body.expiresIn);
      return true;
    })
    .catch(() => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

/** A token for the hub: refreshed first when it is about to expire. */
export async function freshToken() {
  if (accessToken && tokenExpiresAt - Date.now() < 10_000) await refresh();
  return accessToken ?? '';
}

/** Random enough to name one user's request; crypto.randomUUID needs a secure context, getRandomValues does not. */
function newIdempotencyKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function api(method, path, body, headers = {}) {
  // Creates carry an Idempotency-Key, so that a retry never creates twice (joins and edits are idempotent by themselves).
  const creates = (method === 'POST' && !path.startsWith('/api/auth/')) || (method === 'PUT' && path.endsWith('/ticket'));
  const key = creates ? { 'Idempotency-Key': newIdempotencyKey() } : {};
  const send = () => fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      ...key,
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  let response = await send();
  for (let retry = 0; response.status === 503 && retry < 2; retry++) {
    await sleep(Math.min(Number(response.headers.get('Retry-After')) || 1, 3) * 1000);
    response = await send();
  }
  if (response.status === 401 && accessToken) {
    response = (await refresh()) ? await send() : response;
  }
  const text = response.status === 204 ? '' : await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export async function devLogin(login) {
  const body = await api('POST', '/api/auth/dev-login', { login });
  setToken(body.accessToken, body.expiresIn);
  return body.user;
}

export async function signOut() {
  try { if (accessToken) await api('POST', '/api/auth/logout'); } catch { /* the session ends locally anyway */ }
  setToken(null);
}

/** The 42 callback hands the token over in the URL fragment; take it and wipe it from the address bar. */
export function takeTokenFromFragment() {
  if (!location.hash.includes('access_token=') && !location.hash.includes('error=')) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, '', location.pathname + location.search);
  const token = params.get('access_token');
  if (token) { setToken(token, Number(params.get('expires_in')) || 900); return null; }
  return params.get('error_description') || params.get('error');
}

export const localDate = (d = new Date()) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
