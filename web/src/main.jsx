// Partner's web client: routes, header (navigation, alarm bell, language, session) and sign-in.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './app.css';
import { api, auth, devLogin, refresh, signOut, takeTokenFromFragment } from './api.js';
import { lang, languages, setLang, t } from './i18n.js';
import { liveState, on, startLive, stopLive } from './live.js';
import { AlarmList, MatchList, MatchPage, Profile, useAlarms } from './me.jsx';
import { RandomMatch } from './random.jsx';
import { RoomForm, RoomList, RoomPage } from './rooms.jsx';
import { FieldError, Link, fieldProps, navigate, problemErrors, useRoute } from './ui.jsx';

function SignIn({ loginError }) {
  const [login, setLogin] = useState('');
  const [errors, setErrors] = useState(loginError ? { _: [loginError] } : {});
  const submit = async (e) => {
    e.preventDefault();
    try {
      await devLogin(login.trim());
      if (location.pathname === '/sign-in') navigate('/', true);
    } catch (err) { setErrors(problemErrors(err)); }
  };
  const returnUrl = location.pathname === '/sign-in' ? '/' : location.pathname + location.search;
  return (
    <section class="sign-in" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">{t('signIn')}</h1>
      <p>{t('signInToContinue')}</p>
      <p><a class="button" href={`/api/auth/login/42?returnUrl=${encodeURIComponent(returnUrl)}`}>{t('signInWith42')}</a></p>
      <form class="stack" onSubmit={submit}>
        <h2>{t('devLogin')}</h2>
        <label for="login">{t('login')}</label>
        <input {...fieldProps('login', errors)} autocomplete="username" required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
        <FieldError id="login" messages={errors.login} />
        {errors._ && <p class="problem" role="alert">{errors._.join(' ')}</p>}
        <div class="actions"><button type="submit">{t('signIn')}</button></div>
      </form>
    </section>
  );
}

function Header({ me, onSignOut, onLang }) {
  const alarms = useAlarms();
  const [live, setLive] = useState(liveState.value);
  useEffect(() => on('state', setLive), []);
  return (
    <header class="top">
      <Link href="/" class="brand">{t('appName')}</Link>
      <nav aria-label={t('mainNav')}>
        <ul>
          <li><Link href="/">{t('rooms')}</Link></li>
          {me && <li><Link href="/random">{t('random')}</Link></li>}
          {me && <li><Link href="/matches">{t('matches')}</Link></li>}
          {me && <li><Link href="/me">{t('profile')}</Link></li>}
        </ul>
      </nav>
      <div class="tools">
        {me && (
          <Link href="/alarms" class="bell" aria-label={`${t('alarms')}: ${alarms.unreadCount} ${t('unread')}`}>
            <span aria-hidden="true">🔔</span> <span class="unread-count">{alarms.unreadCount}</span>
          </Link>
        )}
        {me && live !== 'connected' && <span class="offline" role="status">{t('offline')}</span>}
        <label class="lang">{t('language')}{' '}
          <select value={lang()} onChange={(e) => onLang(e.currentTarget.value)}>
            {languages.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
          </select>
        </label>
        {me && <span class="who">{me.nickname}</span>}
        {me && <button type="button" onClick={onSignOut}>{t('signOut')}</button>}
      </div>
    </header>
  );
}

function App() {
  const path = useRoute();
  const [catalog, setCatalog] = useState(null);
  const [me, setMe] = useState(null);
  const [ready, setReady] = useState(false);
  const [loginError, setLoginError] = useState(null);
  const [, setLangTick] = useState(0);

  useEffect(() => {
    api('GET', '/api/categories').then(setCatalog, () => setCatalog([]));
    const off = auth.onChange((signedIn) => {
      if (signedIn) {
        api('GET', '/api/users/me').then(setMe, () => {});
        startLive().catch(() => {});
      } else {
        setMe(null);
        stopLive();
      }
    });
    const error = takeTokenFromFragment();
    if (error) setLoginError(error);
    (auth.signedIn ? Promise.resolve() : refresh()).finally(() => setReady(true));
    return off;
  }, []);

  const doSignOut = async () => { await signOut(); navigate('/'); };
  const changeLang = (value) => { setLang(value); setLangTick((n) => n + 1); };

  const url = new URL(path, location.origin);
  const parts = url.pathname.split('/').filter(Boolean);
  let page;
  if (!catalog || !ready) page = <p>{t('loading')}</p>;
  else if (parts.length === 0) page = <RoomList catalog={catalog} query={url.searchParams} />;
  else if (parts[0] === 'rooms' && parts.length === 2 && parts[1] !== 'new') page = <RoomPage roomId={parts[1]} me={me} />;
  else if (!me && !auth.signedIn) page = <SignIn loginError={loginError} />;
  else if (!me) page = <p>{t('loading')}</p>;
  else if (parts[0] === 'rooms' && parts[1] === 'new') page = <RoomForm catalog={catalog} />;
  else if (parts[0] === 'rooms' && parts[2] === 'edit') page = <RoomForm catalog={catalog} roomId={parts[1]} />;
  else if (parts[0] === 'random') page = <RandomMatch catalog={catalog} />;
  else if (parts[0] === 'matches' && parts.length === 1) page = <MatchList />;
  else if (parts[0] === 'matches') page = <MatchPage matchId={parts[1]} />;
  else if (parts[0] === 'alarms') page = <AlarmList />;
  else if (parts[0] === 'me') page = <Profile me={me} setMe={setMe} />;
  else if (parts[0] === 'sign-in') page = <SignIn loginError={loginError} />;
  else page = <p>{t('notFound')}</p>;

  return (
    <>
      <a class="skip" href="#main">{t('skip')}</a>
      <Header me={me} onSignOut={doSignOut} onLang={changeLang} />
      <main id="main" tabindex="-1">
        {loginError && parts[0] !== 'sign-in' && <p class="problem" role="alert">{t('signInFailed')}: {loginError}</p>}
        {!me && ready && parts[0] !== 'sign-in' && (parts.length === 0 || parts[0] === 'rooms') && !auth.signedIn && (
          <p class="notice"><Link href="/sign-in">{t('signIn')}</Link></p>
        )}
        {page}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
