// Scripted "browser" for the local test OpenID Connect provider (provider.js).
//
//   node tests/oidc/browser.js <authorization-url> [--deny] [--deliver] [--login NAME]
//   node tests/oidc/browser.js --device <verification_uri_complete> [--deny] [--login NAME]
//
// --device plays the user of a device-code login (RFC 8628): opens the verification page with the
// user code in it (the provider's auto-submitting form), confirms the code, signs in, approves (or
// with --deny refuses) the consent page, and exits 0 on the provider's "signed in" page (or, with
// --deny, on the page that says the request was refused), printing `device: approved` or
// `device: denied` on stdout.
//
// GETs the authorization URL with a cookie jar, follows redirects by hand, signs in the test
// user on the login page (field `login`, default `test-user-1`), approves the consent page
// (or denies it with --deny), and stops at the first redirect that leaves the provider for
// the client: the target starts with the request's redirect_uri (or, when the URL carries no
// redirect_uri, e.g. with PAR, has an origin other than the provider's). That full URL is
// printed on stdout (one line) and the exit status is 0; an error response delivered to the
// redirect URI (error=access_denied, ...) also counts as success.
//
// --deliver additionally GETs that URL, as a browser would, hitting the app's loopback
// callback listener, and prints `delivered: HTTP <status>` on stderr (exit 3 if that fails).
// With response_mode=form_post the provider's auto-submitting form is POSTed there instead (and the
// URL printed carries the posted parameters in its query).
//
// Anything unexpected (error page, unknown page, too many redirects, timeout) prints a
// diagnostic on stderr and exits 1; usage errors exit 2. Uses only Node's built-in fetch.
// Talks only to the hosts in the URLs it is given (the local provider and the callback).

const REQUEST_TIMEOUT_MS = 10_000;
const OVERALL_TIMEOUT_MS = 60_000;
const MAX_STEPS = 30;

function fail(message, code = 1) {
  process.stderr.write(`browser.js: ${message}\n`);
  process.exit(code);
}

setTimeout(() => fail(`gave up after ${OVERALL_TIMEOUT_MS / 1000}s`), OVERALL_TIMEOUT_MS).unref();

// ---------------------------------------------------------------------------------------
// arguments
const args = process.argv.slice(2);
let authUrl;
let deny = false;
let deliver = false;
let device = false;
let login = 'test-user-1';
for (let i = 0; i < args.length; i += 1) {
  const a = args[i];
  if (a === '--deny') deny = true;
  else if (a === '--deliver') deliver = true;
  else if (a === '--device') device = true;
  else if (a === '--login') {
    login = args[i + 1];
    i += 1;
    if (login === undefined) fail('--login needs a value', 2);
  } else if (a.startsWith('--')) fail(`unknown option ${a}`, 2);
  else if (authUrl === undefined) authUrl = a;
  else fail(`unexpected argument ${a}`, 2);
}
if (!authUrl) {
  fail('usage: node browser.js <authorization-url> [--deny] [--deliver] [--login NAME] | --device <verification_uri_complete> [--deny]', 2);
}
let start;
try {
  start = new URL(authUrl);
} catch {
  fail(`not a URL: ${authUrl}`, 2);
}
const providerOrigin = start.origin;
const redirectUri = start.searchParams.get('redirect_uri');

// ---------------------------------------------------------------------------------------
// cookie jar (host-only; honours path, Max-Age/Expires deletion)
const jar = new Map(); // key `${path}\t${name}` -> { name, value, path, host }

function defaultCookiePath(url) {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function storeCookies(url, response) {
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attrs] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = defaultCookiePath(url);
    let expired = false;
    for (const attr of attrs) {
      const [k, ...rest] = attr.split('=');
      const key = k.trim().toLowerCase();
      const v = rest.join('=').trim();
      if (key === 'path' && v.startsWith('/')) path = v;
      else if (key === 'max-age' && Number(v) <= 0) expired = true;
      else if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
    }
    const k = `${path}\t${name}`;
    if (expired) jar.delete(k);
    else jar.set(k, { name, value, path, host: url.host });
  }
}

function pathMatches(cookiePath, requestPath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function cookieHeader(url) {
  const matching = [...jar.values()]
    .filter((c) => c.host === url.host && pathMatches(c.path, url.pathname))
    .sort((a, b) => b.path.length - a.path.length);
  return matching.map((c) => `${c.name}=${c.value}`).join('; ');
}

// ---------------------------------------------------------------------------------------
// HTTP
async function request(method, url, body) {
  const headers = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8', 'user-agent': 'authdeck-test-browser' };
  const cookies = cookieHeader(url);
  if (cookies) headers.cookie = cookies;
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    fail(`${method} ${url} failed: ${err.cause?.message ?? err.message}`);
  }
  storeCookies(url, response);
  return response;
}

function isClientRedirect(url) {
  if (redirectUri) {
    // compare without the query string: the response appends parameters to redirect_uri
    const target = url.href;
    const base = redirectUri.split('#')[0];
    if (target === base || target.startsWith(base.includes('?') ? `${base}&` : `${base}?`) || target.startsWith(`${base}#`)) {
      return true;
    }
    return false;
  }
  return url.origin !== providerOrigin;
}

// ---------------------------------------------------------------------------------------
// HTML helpers (the provider's pages are tiny and generated by provider.js)
function decodeEntities(s) {
  return s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function stripTags(html) {
  return decodeEntities(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function findForm(html, id) {
  const re = new RegExp(`<form[^>]*id="${id}"[^>]*>`, 'i');
  const tag = re.exec(html);
  if (!tag) return undefined;
  const action = /action="([^"]*)"/i.exec(tag[0]);
  const method = /method="([^"]*)"/i.exec(tag[0]);
  return { action: action ? decodeEntities(action[1]) : '', method: (method?.[1] ?? 'get').toUpperCase() };
}

// The hidden inputs of the form that starts at `formTag` (the provider's device forms and its
// auto-submitting form_post pages).
function hiddenInputs(html, formTag) {
  const start = html.indexOf(formTag);
  const end = html.indexOf('</form>', start);
  const inputs = new URLSearchParams();
  const re = /<input[^>]*type="hidden"[^>]*>/gi;
  for (const tag of html.slice(start, end).match(re) ?? []) {
    const name = /name="([^"]*)"/i.exec(tag);
    const value = /value="([^"]*)"/i.exec(tag);
    if (name) inputs.set(decodeEntities(name[1]), value ? decodeEntities(value[1]) : '');
  }
  return inputs;
}

// The first form of a page (form_post's auto-submitting one has no id).
function firstForm(html) {
  const tag = /<form[^>]*>/i.exec(html);
  if (!tag) return undefined;
  const action = /action="([^"]*)"/i.exec(tag[0]);
  const method = /method="([^"]*)"/i.exec(tag[0]);
  return { tag: tag[0], action: action ? decodeEntities(action[1]) : '', method: (method?.[1] ?? 'get').toUpperCase() };
}

function describe(status, url, html) {
  const text = stripTags(html).slice(0, 600);
  return `HTTP ${status} at ${url}: ${text || '(empty body)'}`;
}

// ---------------------------------------------------------------------------------------
// main loop
let url = start;
let method = 'GET';
let body;
let loggedIn = false;
let consented = false;

for (let step = 0; step < MAX_STEPS; step += 1) {
  const response = await request(method, url, body);
  method = 'GET';
  body = undefined;

  if ([301, 302, 303, 307, 308].includes(response.status)) {
    const location = response.headers.get('location');
    await response.arrayBuffer().catch(() => {});
    if (!location) fail(`HTTP ${response.status} without Location at ${url.href}`);
    const next = new URL(location, url);
    if (isClientRedirect(next)) {
      process.stdout.write(`${next.href}\n`);
      if (deliver) {
        let delivered;
        try {
          delivered = await fetch(next, {
            redirect: 'manual',
            headers: { 'user-agent': 'authdeck-test-browser', accept: 'text/html,*/*;q=0.8' },
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          await delivered.arrayBuffer().catch(() => {});
        } catch (err) {
          fail(`delivering the redirect to ${next.href} failed: ${err.cause?.message ?? err.message}`, 3);
        }
        process.stderr.write(`delivered: HTTP ${delivered.status}\n`);
      }
      process.exit(0);
    }
    if (next.origin !== providerOrigin) {
      fail(`redirected to ${next.href}, which is neither the provider nor redirect_uri ${redirectUri}`);
    }
    url = next;
    continue;
  }

  const html = await response.text();
  if (device) {
    if (html.includes('id="device-success"')) {
      if (deny) fail(`the device login was approved although --deny was given (${url.href})`);
      process.stdout.write('device: approved\n');
      process.exit(0);
    }
    if (html.includes('id="device-error"')) {
      if (!deny || !consented) fail(`device login failed: ${describe(response.status, url.href, html)}`);
      process.stdout.write('device: denied\n');
      process.exit(0);
    }
    if (html.includes('id="device-confirm"')) {
      const form = findForm(html, 'op.deviceConfirmForm');
      url = new URL(form.action, url);
      method = form.method;
      body = hiddenInputs(html, '<form id="op.deviceConfirmForm"').toString();
      continue;
    }
    const autoSubmit = html.includes('Submitting Callback') ? firstForm(html) : undefined;
    if (autoSubmit) {
      url = new URL(autoSubmit.action, url);
      method = autoSubmit.method;
      body = hiddenInputs(html, autoSubmit.tag).toString();
      continue;
    }
  }
  if (response.status !== 200) fail(describe(response.status, url.href, html));

  // response_mode=form_post: the provider's page posts the response to the redirect URI itself.
  // Print it as a URL (the parameters in its query) and, with --deliver, POST it as a browser would.
  const posted = firstForm(html);
  if (posted && posted.method === 'POST' && redirectUri && posted.action.startsWith(redirectUri.split('#')[0])) {
    const fields = hiddenInputs(html, posted.tag);
    const target = new URL(posted.action);
    process.stdout.write(`${target.href}?${fields.toString()}\n`);
    if (deliver) {
      let delivered;
      try {
        delivered = await fetch(target, {
          method: 'POST',
          body: fields.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'authdeck-test-browser' },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        await delivered.arrayBuffer().catch(() => {});
      } catch (err) {
        fail(`posting the form_post response to ${target.href} failed: ${err.cause?.message ?? err.message}`, 3);
      }
      process.stderr.write(`delivered: HTTP ${delivered.status}\n`);
    }
    process.exit(0);
  }

  const loginForm = findForm(html, 'login-form');
  const consentForm = findForm(html, 'consent-form');
  if (loginForm) {
    if (loggedIn) {
      const err = /id="login-error"[^>]*>([^<]*)</.exec(html);
      fail(`login was not accepted${err ? `: ${decodeEntities(err[1])}` : ''} (${url.href})`);
    }
    loggedIn = true;
    url = new URL(loginForm.action, url);
    method = loginForm.method;
    body = new URLSearchParams({ login }).toString();
    continue;
  }
  if (consentForm) {
    if (consented) fail(`consent page shown twice (${url.href})`);
    consented = true;
    url = new URL(consentForm.action, url);
    method = consentForm.method;
    body = new URLSearchParams({ decision: deny ? 'deny' : 'approve' }).toString();
    continue;
  }
  fail(`unexpected page: ${describe(response.status, url.href, html)}`);
}
fail(`more than ${MAX_STEPS} steps without reaching the redirect URI`);
