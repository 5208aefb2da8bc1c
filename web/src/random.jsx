// Random match per category: conditions, apply, waiting count, cancel, the result pushed live.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { on } from './live.js';
import { ConditionFields } from './rooms.jsx';
import { FormErrors, Link, label, problemErrors } from './ui.jsx';

export function RandomMatch({ catalog }) {
  const [category, setCategory] = useState(catalog[0]?.category ?? '');
  const [conditions, setConditions] = useState({});
  const [state, setState] = useState(null);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);

  const load = () => api('GET', `/api/random-match/${category}`).then((s) => {
    setState(s);
    if (s.ticket?.status === 'WAITING') setConditions(s.ticket.conditions ?? {});
  }, () => {});
  useEffect(() => {
    setState(null); setErrors({}); setConditions({});
    load();
    const timer = setInterval(() => { if (document.visibilityState === 'visible') load(); }, 3000);
    const off = on('ticketUpdated', (ticket) => {
      if (ticket.category === category) setState((s) => ({ ...(s ?? { category, waitingCount: 0 }), ticket }));
    });
    return () => { clearInterval(timer); off(); };
  }, [category]);

  const act = (work) => async (e) => {
    e?.preventDefault();
    setBusy(true); setErrors({});
    try { await work(); } catch (err) { setErrors(problemErrors(err)); } finally { setBusy(false); }
  };
  const apply = act(async () => {
    const ticket = await api('PUT', `/api/random-match/${category}/ticket`, { conditions });
    setState((s) => ({ ...s, ticket }));
    load();
  });
  const cancel = act(async () => { await api('DELETE', `/api/random-match/${category}/ticket`); await load(); });

  const dimensions = catalog.find((c) => c.category === category)?.dimensions ?? [];
  const ticket = state?.ticket;
  const waiting = ticket?.status === 'WAITING';
  return (
    <section aria-labelledby="random-heading">
      <h1 id="random-heading">{t('random')}</h1>
      <label for="random-category">{t('category')}</label>
      <select id="random-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
        {catalog.map((c) => <option key={c.category} value={c.category}>{label(c.category)}</option>)}
      </select>
      <p>{t('waitingCount')}: <span class="waiting-count" aria-live="polite">{state?.waitingCount ?? '…'}</span></p>
      <form class="stack" onSubmit={apply}>
        <fieldset disabled={waiting} class="plain">
          <ConditionFields dimensions={dimensions} value={conditions} errors={errors} onChange={setConditions} only />
        </fieldset>
        <FormErrors errors={errors} fields={['conditions']} />
        <div class="actions">
          {!waiting && <button type="submit" disabled={busy}>{t('apply')}</button>}
          {waiting && <button type="button" disabled={busy} onClick={cancel}>{t('cancelTicket')}</button>}
        </div>
      </form>
      {ticket && (
        <div class="ticket" role="status" aria-live="polite">
          <h2>{t('ticket')}</h2>
          {waiting && <p>{t('waiting')}{ticket.compatibleWaiting != null ? ` · ${t('compatibleWaiting')}: ${ticket.compatibleWaiting}` : ''}
            {ticket.estimatedWaitSeconds != null ? ` · ${t('estimatedWait')}: ${Math.round(ticket.estimatedWaitSeconds)}` : ''}</p>}
          {ticket.status === 'MATCHED' && <p class="matched">{t('matched')} <Link href={`/matches/${ticket.matchId}`}>{t('viewMatch')}</Link></p>}
          {ticket.status === 'EXPIRED' && <p>{t('expired')}</p>}
          {ticket.status === 'CANCELLED' && <p>{t('cancelled')}</p>}
        </div>
      )}
    </section>
  );
}
