// Alarms, my matches with reviews, and the profile (score, e-mail, withdrawal).
import { useEffect, useState } from 'preact/hooks';
import { api, signOut } from './api.js';
import { t } from './i18n.js';
import { alarms as alarmStore, markAlarmsRead, on } from './live.js';
import { FieldError, FormErrors, Link, Problem, fieldProps, label, navigate, problemErrors } from './ui.jsx';

export function useAlarms() {
  const [, setTick] = useState(0);
  useEffect(() => on('alarms', () => setTick((n) => n + 1)), []);
  return alarmStore;
}

function alarmLink(a) {
  if (a.matchId) return `/matches/${a.matchId}`;
  if (a.roomId) return `/rooms/${a.roomId}`;
  return null;
}

export function AlarmList() {
  const alarms = useAlarms();
  return (
    <section aria-labelledby="alarms-heading">
      <div class="heading-row">
        <h1 id="alarms-heading">{t('alarms')}</h1>
        <button type="button" disabled={alarms.unreadCount === 0} onClick={() => markAlarmsRead().catch(() => {})}>{t('markRead')}</button>
      </div>
      {alarms.items.length === 0 ? <p>{t('noAlarms')}</p> : (
        <ul class="cards">
          {alarms.items.map((a) => (
            <li key={a.seq} class={a.read ? 'card alarm' : 'card alarm unread'} data-alarm-type={a.type}>
              <p class="meta"><span class="tag">{label(a.type)}</span> {new Date(a.createdAt).toLocaleString()}{a.read ? '' : ` · ${t('unread')}`}</p>
              {alarmLink(a) ? <Link href={alarmLink(a)}>{a.text}</Link> : <p>{a.text}</p>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MatchList() {
  const [page, setPage] = useState(0);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api('GET', `/api/matches?page=${page}&size=10`).then(setResult, setError); }, [page]);
  return (
    <section aria-labelledby="matches-heading">
      <h1 id="matches-heading">{t('matches')}</h1>
      <Problem error={error} />
      {result && (result.items.length === 0 ? <p>{t('noMatches')}</p> : (
        <ul class="cards">
          {result.items.map((m) => (
            <li key={m.matchId} class="card">
              <Link href={`/matches/${m.matchId}`} class="card-title">{m.title || label(m.category)}</Link>
              <p class="meta"><span class="tag">{label(m.category)}</span> {label(m.method)} · {m.memberCount} {t('members')} · {new Date(m.createdAt).toLocaleString()}</p>
            </li>
          ))}
        </ul>
      ))}
      <nav class="pager" aria-label={t('page')}>
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>{t('previous')}</button>
        <span>{t('page')} {page + 1}</span>
        <button type="button" disabled={!result?.hasNext} onClick={() => setPage(page + 1)}>{t('next')}</button>
      </nav>
    </section>
  );
}

export function MatchPage({ matchId }) {
  const [match, setMatch] = useState(null);
  const [error, setError] = useState(null);
  const [scores, setScores] = useState({});
  const [errors, setErrors] = useState({});
  const load = () => api('GET', `/api/matches/${matchId}`).then(setMatch, setError);
  useEffect(() => { load(); }, [matchId]);
  if (error) return <Problem error={error} />;
  if (!match) return <p>{t('loading')}</p>;
  const others = match.members.filter((m) => !m.isMe);
  const submit = async (e) => {
    e.preventDefault();
    try {
      const reviews = others.map((m) => ({ userId: m.userId, score: scores[m.userId] === 'ABSENT' ? 'ABSENT' : Number(scores[m.userId] ?? 5) }));
      await api('POST', `/api/matches/${matchId}/reviews`, { reviews });
      setErrors({}); load();
    } catch (err) { setErrors(problemErrors(err)); }
  };
  return (
    <article aria-labelledby="match-heading" class="match">
      <h1 id="match-heading">{label(match.category)} · {label(match.method)}</h1>
      <p class="meta">{new Date(match.createdAt).toLocaleString()}{match.roomId && <> · <Link href={`/rooms/${match.roomId}`}>{t('room')}</Link></>}</p>
      <h2>{t('members')}</h2>
      <ul class="members">{match.members.map((m) => <li key={m.userId}>{m.nickname}{m.isMe ? ` (${t('me')})` : ''}</li>)}</ul>
      <h2>{t('review')}</h2>
      {match.reviewedByMe ? <p>{t('reviewed')}</p> : (
        <form class="stack" onSubmit={submit}>
          <FormErrors errors={errors} fields={[]} />
          {others.map((m) => (
            <div key={m.userId}>
              <label for={`score-${m.userId}`}>{m.nickname}</label>
              <select id={`score-${m.userId}`} value={scores[m.userId] ?? '5'} onChange={(e) => setScores({ ...scores, [m.userId]: e.currentTarget.value })}>
                {['5', '4', '3', '2', '1'].map((s) => <option key={s} value={s}>{'★'.repeat(Number(s))} {s}</option>)}
                <option value="ABSENT">{t('absent')}</option>
              </select>
            </div>
          ))}
          <div class="actions"><button type="submit">{t('send')}</button></div>
        </form>
      )}
    </article>
  );
}

export function Profile({ me, setMe }) {
  const [email, setEmail] = useState(me.email ?? '');
  const [errors, setErrors] = useState({});
  const [saved, setSaved] = useState(false);
  const [score, setScore] = useState(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => { api('GET', '/api/users/me/activity-score').then((s) => setScore(s.score), () => {}); }, []);
  const save = async (e) => {
    e.preventDefault();
    setSaved(false);
    try { setMe(await api('PATCH', '/api/users/me', { email })); setErrors({}); setSaved(true); } catch (err) { setErrors(problemErrors(err)); }
  };
  // A page navigation cannot carry the bearer header: the API first sets a cookie scoped to /dashboard.
  const openDashboard = async () => {
    try { await api('POST', '/api/operations/dashboard-cookie'); location.assign('/dashboard/'); } catch (err) { setError(err); }
  };
  const withdraw = async () => {
    try { await api('DELETE', '/api/users/me'); await signOut(); navigate('/'); } catch (err) { setError(err); }
  };
  return (
    <section aria-labelledby="profile-heading">
      <h1 id="profile-heading">{t('profile')}</h1>
      <dl class="facts">
        <dt>{t('login')}</dt><dd>{me.login}</dd>
        <dt>{t('nickname')}</dt><dd>{me.nickname}</dd>
        <dt>{t('score')}</dt><dd class="score">{score ?? '…'}</dd>
      </dl>
      {me.roles?.includes('ADMIN') && <p><button type="button" onClick={openDashboard}>{t('dashboard')}</button></p>}
      <form class="stack" onSubmit={save}>
        <label for="email">{t('email')}</label>
        <input {...fieldProps('email', errors)} type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <FieldError id="email" messages={errors.email} />
        <FormErrors errors={errors} fields={['email']} />
        <div class="actions"><button type="submit">{t('changeEmail')}</button>{saved && <span role="status">{t('saved')}</span>}</div>
      </form>
      <h2>{t('withdraw')}</h2>
      {!confirming ? <button type="button" class="danger" onClick={() => setConfirming(true)}>{t('withdraw')}</button> : (
        <div role="group" aria-label={t('withdraw')} class="confirm">
          <p>{t('withdrawConfirm')}</p>
          <button type="button" class="danger" onClick={withdraw}>{t('withdrawYes')}</button>
          <button type="button" onClick={() => setConfirming(false)}>{t('cancel')}</button>
        </div>
      )}
      <Problem error={error} />
    </section>
  );
}
