// Local OpenID Connect provider for authdeck end-to-end tests.
//
// Built on the npm package `oidc-provider` (version pinned in package-lock.json).
// Install once with `npm ci --prefix tests/oidc`, then:
//
//   node tests/oidc/provider.js [PORT]        # PORT (or $OIDC_PROVIDER_PORT); 0 = free port
//
// Prints exactly one line on stdout once listening:
//
//   READY http://127.0.0.1:PORT
//
// and nothing else on stdout (all library notices go to stderr). Binds 127.0.0.1 only and
// never talks to the network. It stops itself when stdin closes (the Rust harness keeps a
// pipe open, so a dying test process takes the server with it), on SIGTERM/SIGINT/SIGHUP,
// and after $OIDC_PROVIDER_MAX_LIFETIME seconds (default 1800, 0 = no limit). Run it
// by hand with an open stdin (a terminal), or with OIDC_PROVIDER_IGNORE_STDIN=1.
//
// A restart that keeps its grants, or rotates its keys (what `authdeck check` must notice):
//   OIDC_PROVIDER_KEYS_FILE=FILE    the signing keys (a private JWK set): read from FILE when it
//                                   exists, else generated with fresh kids and written there. A
//                                   new FILE on restart = rotated keys.
//   OIDC_PROVIDER_STATE_FILE=FILE   grants, tokens and sessions kept in FILE (JSON) and read back
//                                   at start, so tokens issued before a restart still work.
//   OIDC_PROVIDER_DROP_TOKEN_FIELDS=a,b  leave these fields out of every token response (a
//                                   provider that "changed its API", for drift).
//
// Endpoints (issuer = http://127.0.0.1:PORT, all also listed in the discovery document):
//   discovery        GET  /.well-known/openid-configuration
//   authorization    GET  /auth             (GET only: POST to /auth is not enabled)
//   token            POST /token            (application/x-www-form-urlencoded)
//   userinfo         GET|POST /me           (Authorization: Bearer <access token>)
//   jwks             GET  /jwks
//   PAR              POST /request          (pushed authorization requests; optional)
//   end session      GET|POST /session/end
//   login/consent    /interaction/<uid>     (HTML pages served by this script, see below)
//
// Test user: account id `test-user-1` (login name `test-user-1`, `test.user@example.test`
// is accepted as well), name `Test User`, email `test.user@example.test`.
//
// Scopes: openid (claim sub), profile (claim name), email (claim email), offline_access.
//
// Clients (all `application_type: 'native'`, grant types authorization_code + refresh_token,
// response type code):
//   basic-client   secret fake-basic-secret   token_endpoint_auth_method client_secret_basic
//   post-client    secret fake-post-secret    token_endpoint_auth_method client_secret_post
//   public-client  (no secret)                token_endpoint_auth_method none (PKCE required)
//   jwt-secret-client  secret fake-client-secret-jwt-secret-0123456789   client_secret_jwt (HS256)
//   par-client     secret fake-par-secret     client_secret_basic, require_pushed_authorization_requests
//   dpop-client    secret fake-dpop-secret    client_secret_basic, dpop_bound_access_tokens
//   dpop-public-client (no secret)            none, dpop_bound_access_tokens (refresh token bound too)
//   any number registered at POST /reg (RFC 7591, open): e.g. private_key_jwt clients with a
//   `jwks` of their public keys. Every DPoP proof needs a server nonce (use_dpop_nonce first).
//
// Redirect URIs: registered `http://127.0.0.1/callback` and `http://localhost/callback`.
// Because the clients are native, oidc-provider matches loopback redirect URIs regardless of
// port (RFC 8252 section 7.3), so `http://127.0.0.1:<any port>/callback` is accepted. The
// path (and query) must still match exactly. Extra redirect URIs can be registered for every
// client with OIDC_PROVIDER_REDIRECT_URIS (comma or whitespace separated). Because two URIs
// are registered, the redirect_uri parameter must always be sent, at /auth and at /token.
//
// Facts a client must respect (oidc-provider 9.x defaults unless noted):
// * Token endpoint: POST, application/x-www-form-urlencoded; grant_type=authorization_code
//   needs code + redirect_uri (exactly the one used at /auth, port included) + code_verifier
//   when a code_challenge was sent. Refresh: grant_type=refresh_token + refresh_token.
// * Client authentication is checked STRICTLY by this script (stock oidc-provider accepts
//   client_secret_basic and client_secret_post interchangeably): basic-client must use an
//   `Authorization: Basic` header, post-client must send client_id + client_secret in the
//   form body, and sending both mechanisms at once is rejected. Set OIDC_PROVIDER_LAX_AUTH=1
//   to disable the strict check. Basic credentials are form-urlencoded before base64
//   (RFC 6749 section 2.3.1); the fixed ids/secrets contain no characters affected by that.
//   public-client sends client_id in the form body and no secret.
// * PKCE: only S256; code_challenge_method must be sent explicitly (there is no `plain`
//   default). Required for public clients (token_endpoint_auth_method none), optional for
//   confidential clients, but once a code_challenge was sent the code_verifier is mandatory.
// * Refresh tokens: issued only when offline_access was granted. oidc-provider silently
//   drops offline_access from an authorization request unless `prompt` includes `consent`
//   (an absent prompt counts as "no consent") and the client is allowed the refresh_token
//   grant; the token response then has scope without offline_access and no refresh_token.
//   So request `scope=openid ... offline_access&prompt=consent`. Refresh tokens of the public client
//   rotate on every use; confidential clients' refresh tokens rotate late in their life.
// * Userinfo: requires an access token carrying the `openid` scope (else 403
//   insufficient_scope) and one without an audience. Resource indicators (RFC 8707) are
//   enabled by default in oidc-provider 9: with NO `resource` parameter the access token is
//   an opaque token for the userinfo endpoint (what we want). Sending any `resource`
//   parameter makes this provider answer `invalid_target` (no resource servers are defined).
// * The authorization response carries `code`, `state` and `iss` (RFC 9207). A denied
//   consent yields `error=access_denied` (+ error_description, state, iss) at redirect_uri.
// * Authorization codes live 60 s and are single use; access tokens 1 h; ID tokens 1 h
//   (RS256, key generated at start-up); refresh tokens 14 days.
//
// Interactions (no browser needed; see browser.js):
//   GET  /interaction/<uid>           login page: <form method=post action=".../login">
//                                     with a text input `login`
//                                     or consent page: <form method=post action=".../confirm">
//                                     with <button name=decision value=approve> and
//                                     <button name=decision value=deny>
//   POST /interaction/<uid>/login     field `login`; unknown logins re-render the page (200)
//                                     with an error message
//   POST /interaction/<uid>/confirm   field `decision` = approve | deny
//   GET  /interaction/<uid>/abort     same as deny

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

// ---------------------------------------------------------------------------------------
// stdout is reserved for the single READY line: route every console method to stderr
// before oidc-provider is loaded (it prints notices with console.info).
for (const name of ['log', 'info', 'debug', 'warn', 'error']) {
  // eslint-disable-next-line no-console
  console[name] = (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`);
}
const log = (msg) => process.stderr.write(`[oidc-test-provider] ${msg}\n`);

// A runtime/version warning from oidc-provider (9.x prefers Node 22 LTS) is harmless here.
const { default: Provider, errors: oidcErrors } = await import('oidc-provider');
const { default: MemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');

// ---------------------------------------------------------------------------------------
// configuration from argv / env
const portArg = process.argv[2] ?? process.env.OIDC_PROVIDER_PORT ?? '0';
const requestedPort = Number.parseInt(portArg, 10);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  log(`invalid port ${JSON.stringify(portArg)}`);
  process.exit(2);
}
const HOST = '127.0.0.1';
const maxLifetime = Number.parseInt(process.env.OIDC_PROVIDER_MAX_LIFETIME ?? '1800', 10);
const strictClientAuth = !process.env.OIDC_PROVIDER_LAX_AUTH;
const extraRedirectUris = (process.env.OIDC_PROVIDER_REDIRECT_URIS ?? '')
  .split(/[\s,]+/)
  .filter(Boolean);

// ---------------------------------------------------------------------------------------
// self-termination
let server;
function shutdown(reason, code = 0) {
  log(`stopping: ${reason}`);
  if (server) {
    server.closeAllConnections?.();
    server.close();
  }
  // do not wait for anything: this is a throwaway test server
  process.exit(code);
}
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => shutdown(sig));
}
if (!process.env.OIDC_PROVIDER_IGNORE_STDIN) {
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}
if (maxLifetime > 0) {
  setTimeout(() => shutdown(`max lifetime of ${maxLifetime}s reached`), maxLifetime * 1000).unref();
}

// ---------------------------------------------------------------------------------------
// account
const TEST_USER = {
  accountId: 'test-user-1',
  logins: new Set(['test-user-1', 'test.user@example.test']),
  claims: {
    sub: 'test-user-1',
    name: 'Test User',
    email: 'test.user@example.test',
  },
};

async function findAccount(_ctx, sub) {
  if (sub !== TEST_USER.accountId) return undefined;
  return {
    accountId: sub,
    // oidc-provider filters these by granted scope/claims
    async claims() {
      return { ...TEST_USER.claims };
    },
  };
}

// ---------------------------------------------------------------------------------------
// signing keys for ID tokens, generated fresh for every run: RSA (RS256 and PS256), EC P-256
// (ES256) and Ed25519 (EdDSA). Each client says which algorithm its ID tokens use.
const jwkOf = (type, options, kid) => {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' };
};
const generateJwks = (suffix) => [
  jwkOf('rsa', { modulusLength: 2048 }, `authdeck-test-rsa${suffix}`),
  jwkOf('ec', { namedCurve: 'P-256' }, `authdeck-test-es256${suffix}`),
  jwkOf('ed25519', {}, `authdeck-test-eddsa${suffix}`),
];
// With a keys file, the keys outlive a restart; a new file is a key rotation (new kids too).
function loadOrMakeJwks(file) {
  if (!file) return generateJwks('');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).keys;
  const keys = generateJwks(`-${crypto.randomBytes(4).toString('hex')}`);
  fs.writeFileSync(file, JSON.stringify({ keys }), { mode: 0o600 });
  return keys;
}
const signingJwks = loadOrMakeJwks(process.env.OIDC_PROVIDER_KEYS_FILE);

// ---------------------------------------------------------------------------------------
// grants, tokens and sessions: in memory, or kept in a state file across restarts (oidc-provider's
// own memory adapter over a map written to the file after each change).
class PersistedStore {
  constructor(file) {
    this.file = file;
    this.map = new Map();
    if (file && fs.existsSync(file)) {
      const revive = (_k, v) => {
        if (v && typeof v === 'object' && Array.isArray(v.$map)) return new Map(v.$map);
        return v === '$inf' ? Infinity : v;
      };
      for (const [key, entry] of JSON.parse(fs.readFileSync(file, 'utf8'), revive)) this.map.set(key, entry);
    }
  }

  get(key) {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key, value, options) {
    this.map.set(key, { value, expiresAt: options?.maxAge ? Date.now() + options.maxAge : null });
    this.save();
  }

  delete(key) {
    this.map.delete(key);
    this.save();
  }

  save() {
    if (!this.file) return;
    const replace = (_k, v) => {
      if (v instanceof Map) return { $map: [...v] };
      return v === Infinity ? '$inf' : v;
    };
    const temporary = `${this.file}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify([...this.map], replace), { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }
}
const stateStore = new PersistedStore(process.env.OIDC_PROVIDER_STATE_FILE);
const dropTokenFields = (process.env.OIDC_PROVIDER_DROP_TOKEN_FIELDS ?? '').split(/[\s,]+/).filter(Boolean);

// ---------------------------------------------------------------------------------------
const REDIRECT_URIS = ['http://127.0.0.1/callback', 'http://localhost/callback', ...extraRedirectUris];
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const commonClient = {
  application_type: 'native', // => port-agnostic loopback redirect URI matching
  grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE],
  response_types: ['code'],
  redirect_uris: REDIRECT_URIS,
};
// Confidential clients may also use client credentials (oidc-provider refuses it to public ones).
const confidential = { grant_types: [...commonClient.grant_types, 'client_credentials'] };
const clients = [
  {
    ...commonClient,
    ...confidential,
    client_id: 'basic-client',
    client_secret: 'fake-basic-secret',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    ...commonClient,
    ...confidential,
    client_id: 'post-client',
    client_secret: 'fake-post-secret',
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    ...commonClient,
    client_id: 'public-client',
    token_endpoint_auth_method: 'none',
  },
  // Signed client assertions (RFC 7523): HS256 over the secret. (private_key_jwt clients register
  // their public keys at /reg: see `registration` below.)
  {
    ...commonClient,
    ...confidential,
    client_id: 'jwt-secret-client',
    client_secret: 'fake-client-secret-jwt-secret-0123456789',
    token_endpoint_auth_method: 'client_secret_jwt',
  },
  // Takes authorization requests only through PAR (RFC 9126).
  {
    ...commonClient,
    client_id: 'par-client',
    client_secret: 'fake-par-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    require_pushed_authorization_requests: true,
  },
  // DPoP-bound tokens (RFC 9449): a confidential client (its tokens can be introspected) and a
  // public one (its refresh token is bound to the DPoP key too).
  {
    ...commonClient,
    client_id: 'dpop-client',
    client_secret: 'fake-dpop-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
  },
  {
    ...commonClient,
    client_id: 'dpop-public-client',
    token_endpoint_auth_method: 'none',
    dpop_bound_access_tokens: true,
  },
  // The same as basic-client, with ID tokens in the other algorithms authdeck verifies.
  ...['PS256', 'ES256', 'EdDSA'].map((alg) => ({
    ...commonClient,
    client_id: `${alg.toLowerCase()}-client`,
    client_secret: `fake-${alg.toLowerCase()}-secret`,
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
  })),
];

function htmlEscape(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title, body) {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>${htmlEscape(title)}</title></head>
<body>
<h1>${htmlEscape(title)}</h1>
${body}
</body>
</html>
`;
}

// Device flow pages (RFC 8628 section 3.3), with ids the scripted browser finds.
async function userCodeInputSource(ctx, form, _out, err) {
  const error = err ? `<p class="error" id="device-error">${htmlEscape(err.message ?? err.name ?? 'error')}</p>` : '';
  ctx.body = page('Enter the code', `${error}
<div id="device-input">${form}
<button type="submit" form="op.deviceInputForm">Continue</button></div>`);
}
async function userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
  ctx.body = page('Confirm the device', `
<p>Client <code class="client-id">${htmlEscape(client.clientId)}</code> shows the code
<code id="device-user-code">${htmlEscape(userCode)}</code>.</p>
<div id="device-confirm">${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button></div>`);
}
async function successSource(ctx) {
  ctx.body = page('Signed in', '<p id="device-success">The device is signed in; you can close this page.</p>');
}

const configuration = {
  clients,
  findAccount,
  adapter: (model) => new MemoryAdapter(model, stateStore),
  jwks: { keys: signingJwks },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256'],
    dPoPSigningAlgValues: ['ES256'],
  },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email'],
  },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  cookies: {
    keys: ['authdeck-oidc-test-cookie-key-not-a-secret'],
  },
  features: {
    devInteractions: { enabled: false }, // own pages below
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true, userCodeInputSource, userCodeConfirmSource, successSource },
    introspection: { enabled: true },
    revocation: { enabled: true },
    // RFC 9126; optional for every client but par-client.
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    // RFC 9449. Every DPoP proof must carry a server nonce, so a client meets the use_dpop_nonce
    // challenge (and its retry) on its first proof. Proofs are refused when replayed.
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true, allowReplay: false },
    // RFC 7591 open registration, so a test (or a person trying authdeck) can register a
    // private_key_jwt client with the public JWK authdeck made: POST /reg with
    // {"redirect_uris": [...], "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [...]}}.
    registration: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource: defaultLogoutSource, postLogoutSuccessSource },
    // resourceIndicators stays at its default (enabled, no resource servers): without a
    // `resource` parameter access tokens are opaque tokens for the userinfo endpoint.
  },
  pkce: {
    // PKCE (S256 is the only method oidc-provider supports) is required for public clients.
    required: (_ctx, client) => client.clientAuthMethod === 'none',
  },
  // default issueRefreshToken: refresh_token grant allowed for the client and offline_access
  // granted. Spelled out here so the behaviour is visible.
  issueRefreshToken: async (_ctx, client, source) => (
    client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access')
  ),
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  ttl: {
    AccessToken: 60 * 60,
    AuthorizationCode: 60,
    IdToken: 60 * 60,
    RefreshToken: 14 * 24 * 60 * 60,
    Interaction: 60 * 60,
    Session: 60 * 60,
    Grant: 14 * 24 * 60 * 60,
  },
  responseTypes: ['code'],
  clientBasedCORS: () => false,
  async renderError(ctx, out) {
    ctx.type = 'html';
    const lines = Object.entries(out)
      .map(([k, v]) => `<p class="oidc-error"><strong>${htmlEscape(k)}</strong>: ${htmlEscape(v)}</p>`)
      .join('\n');
    ctx.body = page('OIDC error', lines);
  },
};

// These two only exist so that oidc-provider does not print "you SHOULD change" notices.
async function defaultLogoutSource(ctx, form) {
  ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`);
}
async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<p>Signed out.</p>');
}

// ---------------------------------------------------------------------------------------
// listen first (port 0 => kernel picks a free port), then build the provider for that issuer
server = http.createServer();
server.on('error', (err) => shutdown(`server error: ${err.message}`, 1));
await new Promise((resolve) => { server.listen(requestedPort, HOST, resolve); });
const { port } = server.address();
const issuer = `http://${HOST}:${port}`;

const provider = new Provider(issuer, configuration);

// ---------------------------------------------------------------------------------------
// interaction pages (login + consent) served by the provider's own Koa app
async function readForm(req) {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const err = new Error('form must be sent as application/x-www-form-urlencoded');
    err.status = 400;
    throw err;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) {
      const err = new Error('form too large');
      err.status = 413;
      throw err;
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid, clientId, error) {
  return page('Sign in', `
<p>Client <code class="client-id">${htmlEscape(clientId)}</code> asks you to sign in.</p>
${error ? `<p class="error" id="login-error">${htmlEscape(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${htmlEscape(uid)}/login">
  <label>Login <input type="text" name="login" autocomplete="username" autofocus></label>
  <button type="submit">Sign in</button>
</form>`);
}

function consentPage(uid, clientId, scopes) {
  return page('Authorize', `
<p>Client <code class="client-id">${htmlEscape(clientId)}</code> requests access to:</p>
<ul>${scopes.map((s) => `<li class="scope">${htmlEscape(s)}</li>`).join('')}</ul>
<form id="consent-form" method="post" action="/interaction/${htmlEscape(uid)}/confirm">
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`);
}

async function finishConsent(ctx, details) {
  const { prompt, grantId, session, params } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  if (missingResourceScopes) {
    for (const [indicator, scope] of Object.entries(missingResourceScopes)) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
  }
  const result = { consent: { grantId: await grant.save() } };
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.respond = false;
}

async function deny(ctx) {
  await provider.interactionFinished(ctx.req, ctx.res, {
    error: 'access_denied',
    error_description: 'End-User denied the authorization request',
  }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?\/?$/;

provider.use(async (ctx, next) => {
  const match = INTERACTION_PATH.exec(ctx.path);
  if (!match) return next();
  const [, uid, action] = match;
  ctx.set('cache-control', 'no-store');
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) {
      ctx.throw(400, 'interaction cookie does not match the URL');
    }
    const promptName = details.prompt.name;
    const clientId = details.params.client_id;

    if (!action && ctx.method === 'GET') {
      ctx.type = 'html';
      if (promptName === 'login') {
        ctx.body = loginPage(uid, clientId);
      } else if (promptName === 'consent') {
        ctx.body = consentPage(uid, clientId, String(details.params.scope ?? '').split(' ').filter(Boolean));
      } else {
        ctx.throw(501, `prompt ${promptName} not implemented`);
      }
      return undefined;
    }

    if (action === 'abort' && ctx.method === 'GET') {
      return deny(ctx);
    }

    if (action === 'login' && ctx.method === 'POST') {
      if (promptName !== 'login') ctx.throw(400, `expected prompt login, interaction is at ${promptName}`);
      const form = await readForm(ctx.req);
      const login = (form.get('login') ?? '').trim();
      if (!TEST_USER.logins.has(login)) {
        ctx.type = 'html';
        ctx.body = loginPage(uid, clientId, `unknown login ${JSON.stringify(login)}`);
        return undefined;
      }
      await provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId: TEST_USER.accountId },
      }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return undefined;
    }

    if (action === 'confirm' && ctx.method === 'POST') {
      if (promptName !== 'consent') ctx.throw(400, `expected prompt consent, interaction is at ${promptName}`);
      const form = await readForm(ctx.req);
      const decision = form.get('decision');
      if (decision === 'approve') return finishConsent(ctx, details);
      if (decision === 'deny') return deny(ctx);
      ctx.throw(400, `decision must be approve or deny, got ${JSON.stringify(decision)}`);
    }

    ctx.throw(405, `${ctx.method} not allowed on ${ctx.path}`);
  } catch (err) {
    if (err instanceof oidcErrors.SessionNotFound) {
      ctx.status = 400;
    } else {
      ctx.status = err.status ?? err.statusCode ?? 500;
    }
    ctx.type = 'html';
    ctx.body = page('Interaction error', `<p class="oidc-error"><strong>error</strong>: ${htmlEscape(err.message)}</p>`);
    if (ctx.status >= 500) log(`interaction error: ${err.stack}`);
  }
  return undefined;
});

// ---------------------------------------------------------------------------------------
// strict client authentication method check (see header comment)
const AUTHENTICATED_ROUTES = new Set(['token', 'revocation', 'introspection', 'pushed_authorization_request']);
provider.use(async (ctx, next) => {
  await next();
  if (!strictClientAuth) return;
  let oidc;
  try {
    ({ oidc } = ctx);
  } catch {
    return;
  }
  if (!oidc || !AUTHENTICATED_ROUTES.has(oidc.route) || ctx.status >= 400) return;
  const client = oidc.entities?.Client;
  if (!client) return;
  const usedBasic = ctx.headers.authorization !== undefined;
  const usedPost = Boolean(oidc.params?.client_secret);
  const registered = client.clientAuthMethod;
  let problem;
  if (registered === 'client_secret_basic' && !usedBasic) {
    problem = 'client is registered for client_secret_basic: send the credentials in an Authorization: Basic header, not in the form body';
  } else if (registered === 'client_secret_post' && !usedPost) {
    problem = 'client is registered for client_secret_post: send client_id and client_secret in the form body, not in an Authorization header';
  }
  if (problem) {
    // Tokens may already have been minted in memory; they are never returned.
    ctx.status = 401;
    ctx.type = 'application/json';
    ctx.set('www-authenticate', 'Basic realm="authdeck-oidc-test"');
    ctx.body = { error: 'invalid_client', error_description: problem };
  }
});

// A provider whose token responses lost fields (OIDC_PROVIDER_DROP_TOKEN_FIELDS).
if (dropTokenFields.length) {
  provider.use(async (ctx, next) => {
    await next();
    let route;
    try {
      route = ctx.oidc?.route;
    } catch {
      return;
    }
    if (route === 'token' && ctx.body && typeof ctx.body === 'object') {
      for (const field of dropTokenFields) delete ctx.body[field];
    }
  });
}

provider.on('server_error', (_ctx, err) => log(`server_error: ${err.stack ?? err}`));

server.on('request', provider.callback());

process.stdout.write(`READY ${issuer}\n`);
log(`listening on ${issuer} (pid ${process.pid})`);
