// Room list, room page and the create/edit form.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, auth, localDate } from './api.js';
import { t } from './i18n.js';
import { on, watchRoom } from './live.js';
import { FieldError, FormErrors, Link, Problem, fieldProps, label, navigate, problemErrors } from './ui.jsx';

const PAGE_SIZE = 10;

function statusText(status) { return t({ OPEN: 'open', FULL: 'full', COMPLETED: 'completed' }[status] ?? status); }

function Conditions({ conditions }) {
  const entries = Object.entries(conditions ?? {}).filter(([, values]) => values?.length);
  if (entries.length === 0) return null;
  return (
    <ul class="conditions">
      {entries.map(([name, values]) => <li key={name}><span class="dim">{name}</span> {values.map(label).join(', ')}</li>)}
    </ul>
  );
}

/** Keeps a room shown in a list or page current with the hub's pushes. */
function useLiveRooms(ids, apply) {
  // Signing in on the page subscribes its rooms: the hub needs a token.
  const key = `${auth.signedIn}:${ids.join(',')}`;
  useEffect(() => {
    if (!auth.signedIn) return undefined;
    const stops = ids.map((id) => watchRoom(id));
    const off = on('roomUpdated', apply);
    return () => { off(); stops.forEach((s) => s()); };
  }, [key]);
}

export function RoomList({ catalog, query }) {
  const [category, setCategory] = useState(query.get('category') ?? '');
  const [status, setStatus] = useState(query.get('status') ?? '');
  const [date, setDate] = useState(query.get('date') ?? '');
  const [page, setPage] = useState(0);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);

  const load = () => {
    const params = new URLSearchParams({ page, size: PAGE_SIZE });
    if (category) params.set('category', category);
    if (status) params.set('status', status);
    if (date) params.set('date', date);
    return api('GET', `/api/rooms?${params}`).then((r) => { setResult(r); setError(null); }, setError);
  };
  useEffect(() => {
    load();
    // New rooms have no push: the list looks again every few seconds; changes to listed rooms are pushed.
    const timer = setInterval(() => { if (document.visibilityState === 'visible') load(); }, 3000);
    return () => clearInterval(timer);
  }, [category, status, date, page]);

  const items = result?.items ?? [];
  useLiveRooms(items.map((r) => r.roomId), (room) => setResult((r) => r && ({
    ...r,
    items: room.deleted ? r.items.filter((i) => i.roomId !== room.roomId) : r.items.map((i) => (i.roomId === room.roomId ? { ...i, ...room } : i)),
  })));

  const filter = (set) => (e) => { set(e.currentTarget.value); setPage(0); };
  return (
    <section aria-labelledby="rooms-heading">
      <div class="heading-row">
        <h1 id="rooms-heading">{t('rooms')}</h1>
        {auth.signedIn && <Link class="button" href="/rooms/new">{t('newRoom')}</Link>}
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>{t('category')}
          <select value={category} onChange={filter(setCategory)}>
            <option value="">{t('any')}</option>
            {catalog.map((c) => <option key={c.category} value={c.category}>{label(c.category)}</option>)}
          </select>
        </label>
        <label>{t('status')}
          <select value={status} onChange={filter(setStatus)}>
            <option value="">{t('any')}</option>
            <option value="open">{t('open')}</option>
            <option value="completed">{t('completed')}</option>
          </select>
        </label>
        <label>{t('date')}
          <input type="date" value={date} onChange={filter(setDate)} />
        </label>
      </form>
      <Problem error={error} />
      {result === null ? <p>{t('loading')}</p> : items.length === 0 ? <p>{t('noRooms')}</p> : (
        <ul class="cards">
          {items.map((room) => (
            <li key={room.roomId} class="card" data-room-id={room.roomId}>
              <Link href={`/rooms/${room.roomId}`} class="card-title">{room.title}</Link>
              <p class="meta">
                <span class="tag">{label(room.category)}</span> {room.date}{' · '}
                <span class="count">{room.participantCount}/{room.capacity}</span>{' · '}
                <span class="status">{statusText(room.status)}</span>{' · '}
                {room.owner ? room.owner.nickname : t('anonymous')}
              </p>
              <Conditions conditions={room.conditions} />
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label={t('page')}>
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>{t('previous')}</button>
        <span>{t('page')} {page + 1}</span>
        <button type="button" disabled={!result?.hasNext} onClick={() => setPage(page + 1)}>{t('next')}</button>
      </nav>
    </section>
  );
}

export function RoomPage({ roomId, me }) {
  const [room, setRoom] = useState(null);
  const [comments, setComments] = useState([]);
  const [error, setError] = useState(null);
  const [deleted, setDeleted] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const loadComments = () => api('GET', `/api/rooms/${roomId}/comments`).then(setComments, () => {});
  useEffect(() => {
    setRoom(null); setDeleted(false); setError(null);
    api('GET', `/api/rooms/${roomId}`).then(setRoom, (e) => (e.status === 404 ? setDeleted(true) : setError(e)));
    loadComments();
    const timer = setInterval(() => { if (document.visibilityState === 'visible') loadComments(); }, 5000);
    return () => clearInterval(timer);
  }, [roomId]);
  useLiveRooms([roomId], (pushed) => {
    if (pushed.roomId !== roomId) return;
    if (pushed.deleted) { setDeleted(true); return; }
    setRoom((current) => (!current || pushed.version >= current.version ? pushed : current));
    loadComments();
  });

  if (deleted) return <p role="status">{t('roomDeleted')}</p>;
  if (error) return <Problem error={error} />;
  if (!room) return <p>{t('loading')}</p>;

  const mine = room.participants.some((p) => p.isMe);
  const owner = room.participants.some((p) => p.isOwner && p.isMe) || me?.roles?.includes('ADMIN');
  const act = (work) => async () => {
    setBusy(true); setError(null);
    try { await work(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  const join = act(async () => setRoom(await api('PUT', `/api/rooms/${roomId}/participants/me`)));
  const leave = act(async () => { await api('DELETE', `/api/rooms/${roomId}/participants/me`); setRoom(await api('GET', `/api/rooms/${roomId}`)); });
  const remove = act(async () => { await api('DELETE', `/api/rooms/${roomId}`); navigate('/'); });
  const complete = act(async () => { const { matchId } = await api('POST', `/api/rooms/${roomId}/match`); navigate(`/matches/${matchId}`); });

  return (
    <article aria-labelledby="room-title">
      <h1 id="room-title">{room.title}</h1>
      <p class="meta">
        <span class="tag">{label(room.category)}</span> {room.date}{' · '}
        <span class="status">{statusText(room.status)}</span>{' · '}
        {room.owner ? `${t('owner')}: ${room.owner.nickname}` : t('anonymous')}
      </p>
      <p class="content">{room.content}</p>
      <Conditions conditions={room.conditions} />
      <h2>{t('participants')} <span class="count" aria-live="polite">{room.participantCount}/{room.capacity}</span></h2>
      <ul class="participants">
        {room.participants.map((p, i) => (
          <li key={i}>{p.nickname ?? t('anonymousUser')}{p.isOwner ? ` (${t('owner')})` : ''}{p.isMe ? ` (${t('me')})` : ''}</li>
        ))}
      </ul>
      {room.matchId && <p><Link href={`/matches/${room.matchId}`}>{t('viewMatch')}</Link></p>}
      {auth.signedIn && room.status !== 'COMPLETED' && (
        <div class="actions">
          {!mine && room.status === 'OPEN' && <button type="button" disabled={busy} onClick={join}>{t('join')}</button>}
          {mine && !room.participants.some((p) => p.isOwner && p.isMe) && <button type="button" disabled={busy} onClick={leave}>{t('leave')}</button>}
          {owner && <Link class="button" href={`/rooms/${roomId}/edit`}>{t('edit')}</Link>}
          {owner && <button type="button" disabled={busy} onClick={complete}>{t('complete')}</button>}
          {owner && !confirming && <button type="button" class="danger" onClick={() => setConfirming(true)}>{t('delete')}</button>}
          {owner && confirming && (
            <span role="group" aria-label={t('confirmDelete')}>{t('confirmDelete')}{' '}
              <button type="button" class="danger" onClick={remove}>{t('yes')}</button>
              <button type="button" onClick={() => setConfirming(false)}>{t('no')}</button>
            </span>
          )}
        </div>
      )}
      <Problem error={error} />
      <Comments roomId={roomId} comments={comments} reload={loadComments} />
    </article>
  );
}

function CommentForm({ roomId, parentId, initial = '', commentId, done, labelText }) {
  const [content, setContent] = useState(initial);
  const [errors, setErrors] = useState({});
  const id = `comment-${commentId ?? parentId ?? 'new'}`;
  const submit = async (e) => {
    e.preventDefault();
    try {
      if (commentId) await api('PUT', `/api/rooms/${roomId}/comments/${commentId}`, { content });
      else await api('POST', `/api/rooms/${roomId}/comments`, { content, parentId });
      setContent(''); setErrors({}); done();
    } catch (err) { setErrors(problemErrors(err)); }
  };
  return (
    <form class="comment-form" onSubmit={submit}>
      <label for={id}>{labelText}</label>
      <textarea {...fieldProps(id, errors, 'content')} rows="2" required value={content} onInput={(e) => setContent(e.currentTarget.value)} />
      <FieldError id={id} messages={errors.content} />
      <FormErrors errors={errors} fields={['content']} />
      <button type="submit">{commentId ? t('save') : labelText}</button>
    </form>
  );
}

function Comments({ roomId, comments, reload }) {
  const [replyTo, setReplyTo] = useState(null);
  const [editing, setEditing] = useState(null);
  const remove = async (commentId) => { await api('DELETE', `/api/rooms/${roomId}/comments/${commentId}`).catch(() => {}); reload(); };
  const top = comments.filter((c) => !c.parentId);
  const one = (c) => (
    <li key={c.commentId} class="comment" data-comment-id={c.commentId}>
      {c.deleted ? <p class="muted">{t('deletedComment')}</p> : editing === c.commentId ? (
        <CommentForm roomId={roomId} commentId={c.commentId} initial={c.content} labelText={t('edit')} done={() => { setEditing(null); reload(); }} />
      ) : (
        <>
          <p class="meta">{c.authorNickname ?? t('anonymousUser')}{c.updatedAt !== c.createdAt ? ` · ${t('edited')}` : ''}</p>
          <p class="content">{c.content}</p>
          {auth.signedIn && (
            <div class="actions small">
              {!c.parentId && <button type="button" onClick={() => setReplyTo(replyTo === c.commentId ? null : c.commentId)}>{t('reply')}</button>}
              {c.isMine && <button type="button" onClick={() => setEditing(c.commentId)}>{t('edit')}</button>}
              {c.isMine && <button type="button" class="danger" onClick={() => remove(c.commentId)}>{t('delete')}</button>}
            </div>
          )}
        </>
      )}
    </li>
  );
  return (
    <section aria-labelledby="comments-heading" class="comments">
      <h2 id="comments-heading">{t('comments')}</h2>
      <ul>
        {top.map((c) => (
          <Fragment key={c.commentId}>
            {one(c)}
            <li key={`${c.commentId}-replies`} class="replies">
              <ul>{comments.filter((r) => r.parentId === c.commentId).map(one)}</ul>
              {replyTo === c.commentId && <CommentForm roomId={roomId} parentId={c.commentId} labelText={t('reply')} done={() => { setReplyTo(null); reload(); }} />}
            </li>
          </Fragment>
        ))}
      </ul>
      {auth.signedIn && <CommentForm roomId={roomId} labelText={t('comment')} done={reload} />}
    </section>
  );
}

function ConditionFields({ dimensions, value, onChange, errors, only }) {
  return dimensions.filter((d) => !only || d.matchedInRandom).map((d) => {
    const id = `cond-${d.name}`;
    const chosen = value[d.name] ?? [];
    const toggle = (v) => onChange({ ...value, [d.name]: chosen.includes(v) ? chosen.filter((x) => x !== v) : [...chosen, v] });
    const messages = errors[`conditions.${d.name}`];
    return (
      <fieldset key={d.name} class="conditions-field" aria-describedby={messages ? `${id}-error` : undefined}>
        <legend>{d.name}</legend>
        {d.values.map((v) => (
          <label key={v} class="check"><input type="checkbox" checked={chosen.includes(v)} onChange={() => toggle(v)} /> {label(v)}</label>
        ))}
        <FieldError id={id} messages={messages} />
      </fieldset>
    );
  });
}
export { ConditionFields };

export function RoomForm({ catalog, roomId }) {
  const [form, setForm] = useState(roomId ? null : {
    category: catalog[0]?.category ?? '', title: '', content: '', date: localDate(), capacity: 4, anonymous: false, conditions: {},
  });
  const [version, setVersion] = useState(null);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!roomId) return;
    api('GET', `/api/rooms/${roomId}`).then((room) => {
      setForm({ category: room.category, title: room.title, content: room.content, date: room.date, capacity: room.capacity, anonymous: room.anonymous, conditions: room.conditions ?? {} });
      setVersion(room.version);
    }, (e) => setErrors(problemErrors(e)));
  }, [roomId]);
  if (!form) return <><p>{t('loading')}</p><FormErrors errors={errors} fields={[]} /></>;

  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value });
  const dimensions = catalog.find((c) => c.category === form.category)?.dimensions ?? [];
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    const body = { ...form, capacity: Number(form.capacity) };
    try {
      const room = roomId
        ? await api('PUT', `/api/rooms/${roomId}`, body, version !== null ? { 'If-Match': `"${version}"` } : {})
        : await api('POST', '/api/rooms', body);
      navigate(`/rooms/${room.roomId}`);
    } catch (err) {
      setErrors(problemErrors(err));
    } finally { setBusy(false); }
  };
  const fields = ['category', 'title', 'content', 'date', 'capacity', 'anonymous', 'conditions'];
  return (
    <section aria-labelledby="form-heading">
      <h1 id="form-heading">{roomId ? t('edit') : t('newRoom')}</h1>
      <form class="stack" onSubmit={submit}>
        {Object.keys(errors).length > 0 && <p class="problem" role="alert">{t('errorsAbove')}</p>}
        <FormErrors errors={errors} fields={fields} />
        <label for="category">{t('category')}</label>
        <select {...fieldProps('category', errors)} value={form.category} disabled={!!roomId}
          onChange={(e) => setForm({ ...form, category: e.currentTarget.value, conditions: {} })}>
          {catalog.map((c) => <option key={c.category} value={c.category}>{label(c.category)}</option>)}
        </select>
        <FieldError id="category" messages={errors.category} />
        <label for="title">{t('title')}</label>
        <input {...fieldProps('title', errors)} required value={form.title} onInput={set('title')} />
        <FieldError id="title" messages={errors.title} />
        <label for="content">{t('content')}</label>
        <textarea {...fieldProps('content', errors)} required rows="4" value={form.content} onInput={set('content')} />
        <FieldError id="content" messages={errors.content} />
        <label for="date">{t('date')}</label>
        <input {...fieldProps('date', errors)} type="date" required value={form.date} onInput={set('date')} />
        <FieldError id="date" messages={errors.date} />
        <label for="capacity">{t('capacity')}</label>
        <input {...fieldProps('capacity', errors)} type="number" min="2" max="20" required value={form.capacity} onInput={set('capacity')} />
        <FieldError id="capacity" messages={errors.capacity} />
        <label class="check" for="anonymous"><input {...fieldProps('anonymous', errors)} type="checkbox" checked={form.anonymous} onChange={set('anonymous')} /> {t('anonymous')}</label>
        <FieldError id="anonymous" messages={errors.anonymous} />
        <ConditionFields dimensions={dimensions} value={form.conditions} errors={errors} onChange={(conditions) => setForm({ ...form, conditions })} />
        <FieldError id="conditions" messages={errors.conditions} />
        <div class="actions">
          <button type="submit" disabled={busy}>{roomId ? t('save') : t('create')}</button>
          <Link class="button secondary" href={roomId ? `/rooms/${roomId}` : '/'}>{t('cancel')}</Link>
        </div>
      </form>
    </section>
  );
}
