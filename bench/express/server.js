// The WorkOS SSO guide's Express app (Node SDK 8.x), with the three routes bench/run measures:
//   GET /plain      no session at all (the ceiling);
//   GET /protected  a middleware that requires `req.session.profile`, as the guide's "protect a route" step;
//   GET /login      the guide's login: an authorization URL with state and PKCE kept in the session.
//   GET /callback   exchanges the code, checks the state, stores the profile in the session.
//
// SESSION=cookie (cookie-session, the signed-cookie store) or SESSION=memory (express-session with its
// default MemoryStore). Everything else comes from the environment, as in the guide:
//   WORKOS_API_KEY, WORKOS_CLIENT_ID, WORKOS_ORGANIZATION_ID, WORKOS_BASE_URL (the emulator), PORT.
'use strict';

const express = require('express');
const { WorkOS } = require('@workos-inc/node');

const PORT = Number(process.env.PORT || 3000);
const base = new URL(process.env.WORKOS_BASE_URL || 'https://api.workos.com');
const workos = new WorkOS({
  apiKey: process.env.WORKOS_API_KEY,
  clientId: process.env.WORKOS_CLIENT_ID,
  apiHostname: base.hostname,
  https: base.protocol === 'https:',
  ...(base.port ? { port: Number(base.port) } : {}),
});
const clientId = process.env.WORKOS_CLIENT_ID;
const organization = process.env.WORKOS_ORGANIZATION_ID;
const redirectUri = `http://127.0.0.1:${PORT}/callback`;
const secret = 'bench-only-session-secret-0123456789abcdef';

const app = express();
app.disable('x-powered-by');

if (process.env.SESSION === 'memory') {
  const session = require('express-session');
  app.use(
    session({
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: 8 * 3600 * 1000 },
    }),
  );
} else {
  const cookieSession = require('cookie-session');
  app.use(
    cookieSession({
      name: 'session',
      keys: [secret],
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 8 * 3600 * 1000,
    }),
  );
}

function requireProfile(req, res, next) {
  if (req.session && req.session.profile) return next();
  res.redirect(`/login?return_to=${encodeURIComponent(req.originalUrl)}`);
}

app.get('/plain', (req, res) => {
  res.send('hello');
});

app.get('/protected', requireProfile, (req, res) => {
  res.send('hello');
});

app.get('/login', async (req, res, next) => {
  try {
    const { url, state, codeVerifier } = await workos.sso.getAuthorizationUrlWithPKCE({
      organization,
      redirectUri,
      clientId,
    });
    req.session.login = { state, codeVerifier, returnTo: req.query.return_to || '/' };
    res.redirect(url);
  } catch (error) {
    next(error);
  }
});

app.get('/callback', async (req, res, next) => {
  try {
    const login = req.session.login;
    if (!login || req.query.state !== login.state) {
      res.status(400).send('invalid state');
      return;
    }
    const { profile } = await workos.sso.getProfileAndToken({
      code: String(req.query.code),
      codeVerifier: login.codeVerifier,
      clientId,
    });
    req.session.login = null;
    req.session.profile = profile;
    res.redirect(login.returnTo.startsWith('/') ? login.returnTo : '/');
  } catch (error) {
    next(error);
  }
});

app.listen(PORT, '127.0.0.1', () => {
  console.log(`express (${process.env.SESSION === 'memory' ? 'express-session' : 'cookie-session'}) on ${PORT}`);
});
