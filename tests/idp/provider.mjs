// The test OpenID Provider for pam_oidc: panva/oidc-provider (OpenID Certified)
// over TLS on 127.0.0.1, device flow and CIBA (poll mode) on. Started by
// tests/idp/start.sh.
//
// Environment knobs:
//   OP_PORT            port (0: any free port); the issuer is printed on stdout
//   OP_TLS_KEY/OP_TLS_CERT  server key and certificate (PEM)
//   OP_DEVICE_TTL      device_code lifetime in seconds (default 600)
//   OP_IDTOKEN_TTL     ID token lifetime in seconds (default 3600)
//   OP_INTERVAL        "interval" added to device authorization responses
//   OP_SLOW_DOWN       answer the first N device_code polls with slow_down
//   OP_KEY_GENERATION  signing key generation: new keys and kids per value
//   OP_REQUEST_LOG     append one line per request: ms method path grant_type
//   OP_CLIENT_SECRET   secret of the confidential client (default test-secret)
//   OP_SECRET_LOG      append "name value" for every device_code, auth_req_id
//                      and token issued, so tests can prove none of them leaks
//   OP_CIBA            0: no CIBA (discovery then has no backchannel endpoint
//                      and no client has the CIBA grant); default on
//   OP_CIBA_TTL        auth_req_id lifetime in seconds (default 600); a
//                      client's smaller requested_expiry still wins
//   OP_CIBA_LOG        append one line per CIBA request and result:
//                      "ms pending|approved|denied ACCOUNT BINDING_MESSAGE|-"
//                      (never the auth_req_id)
//   OP_CIBA_AUTO       approve|deny: resolve every CIBA request by itself
//                      after OP_CIBA_AUTO_MS ms (default 200); for benchmarks
//   OP_INTERVAL and OP_SLOW_DOWN also apply to CIBA: "interval" is added to
//   backchannel authentication responses, and slow_down answers any POST
//   /token, whatever its grant.
//
// CIBA in poll mode (OpenID CIBA Core 1.0): the confidential clients
// pam-oidc-confidential (client_secret_basic) and pam-oidc-ciba-post
// (client_secret_post) may use it; login_hint is an account name or its
// email; binding_message follows oidc-provider's rule (1-20 characters of
// [a-zA-Z0-9-._+/!?#]); no user_code (one sent is refused). Test-only hooks
// play the person's phone (see tests/idp/ciba.sh):
//   GET  /test/ciba/pending  JSON array of pending requests, oldest first:
//        {account, binding_message, login_hint, scope, created} (created in
//        ms; binding_message and login_hint null when absent)
//   POST /test/ciba/approve  form body binding_message=... or account=...
//   POST /test/ciba/deny     (the newest pending request that matches; none
//        given: the newest of all). 200 {"account","binding_message"}, or
//        404 {"error":"no_pending_request"}; a resolved request leaves the
//        list. Approval grants openid and whichever of profile, email and
//        offline_access the request asked for.
//
// Revocation (issue 15), test-only too:
//   POST /test/revoke        form body account=NAME: every grant of that
//        account is destroyed with its refresh and access tokens, as an
//        admin disabling the account at an IdP does; a refresh then gets
//        invalid_grant. 200 {"account","grants":N}.
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import https from 'node:https';
import Provider, { errors } from 'oidc-provider';

const env = process.env;
const GEN = env.OP_KEY_GENERATION || '1';
const jwk = (kp, kid, alg) => ({ ...kp.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
const keys = [
  jwk(generateKeyPairSync('rsa', { modulusLength: 2048 }), `rsa-g${GEN}`, 'RS256'),
  jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }), `ec-g${GEN}`, 'ES256'),
  jwk(generateKeyPairSync('ed25519'), `ed-g${GEN}`, 'EdDSA'),
];

const ACCOUNTS = {
  alice: { preferred_username: 'alice', name: 'Alice Example', email: 'alice@example.test', email_verified: true, groups: ['users', 'admins'] },
  bob: { preferred_username: 'bob', name: 'Bob Example', email: 'bob@example.test', email_verified: true, groups: ['users'] },
  // A hostile account: its username claim is a path and has a control character.
  mallory: { preferred_username: '../root\u001b[2J', name: 'Mallory', email: 'mallory@example.test', email_verified: true, groups: ['admins'] },
  // Issue 12 finding 6: an address nobody verified, in a foreign domain, and
  // a username that is a system account.
  trudy: { preferred_username: 'daemon', name: 'Trudy', email: 'root@attacker.example', email_verified: false, groups: ['users'] },
  // A verified address, but in a domain this host does not trust.
  oscar: { preferred_username: 'oscar', name: 'Oscar', email: 'alice@attacker.example', email_verified: true, groups: ['users'] },
};

const CIBA = env.OP_CIBA !== '0';
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const CIBA_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const cibaTtl = Number(env.OP_CIBA_TTL || 600);
const cibaLog = env.OP_CIBA_LOG;
const cibaAuto = env.OP_CIBA_AUTO;
const cibaAutoMs = Number(env.OP_CIBA_AUTO_MS || 200);
if (cibaAuto && !['approve', 'deny'].includes(cibaAuto)) throw new Error(`OP_CIBA_AUTO=${cibaAuto}: approve or deny`);

const deviceClient = (client_id, alg, extra = {}) => ({
  client_id,
  client_name: `pam_oidc test client (${alg})`,
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'none',
  id_token_signed_response_alg: alg,
  ...extra,
});

const logFile = env.OP_REQUEST_LOG;
const secretLog = env.OP_SECRET_LOG;
let slowDown = Number(env.OP_SLOW_DOWN || 0);
const interval = env.OP_INTERVAL ? Number(env.OP_INTERVAL) : undefined;

// Confidential clients only: CIBA needs an authenticated client.
const cibaMetadata = CIBA ? {
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', CIBA_GRANT],
  backchannel_token_delivery_mode: 'poll',
} : {};

// Pending CIBA requests by auth_req_id (kept here, never shown by the hooks).
const pending = new Map();
const cibaNote = (what, accountId, bindingMessage) => {
  if (cibaLog) appendFileSync(cibaLog, `${Date.now()} ${what} ${accountId} ${bindingMessage || '-'}\n`);
};

function accountForHint(hint) {
  if (typeof hint !== 'string') return undefined;
  if (Object.hasOwn(ACCOUNTS, hint)) return hint;
  return Object.keys(ACCOUNTS).find((id) => ACCOUNTS[id].email === hint);
}

// Drops requests past their lifetime; returns the rest, oldest first.
function pendingList() {
  const now = Date.now();
  for (const [id, p] of pending) if (p.expires <= now) pending.delete(id);
  return [...pending.values()].sort((a, b) => a.created - b.created);
}

// The person approves (a grant for the requested scopes) or denies.
async function resolveCiba(p, approve) {
  pending.delete(p.auth_req_id);
  if (approve) {
    const grant = new provider.Grant({ accountId: p.accountId, clientId: p.clientId });
    const scopes = CIBA_SCOPES.filter((s) => p.scope.split(' ').includes(s));
    grant.addOIDCScope(scopes.join(' '));
    await grant.save();
    await provider.backchannelResult(p.auth_req_id, grant, { authTime: Math.floor(Date.now() / 1000) });
  } else {
    await provider.backchannelResult(p.auth_req_id, new errors.AccessDenied('the end-user denied the request'));
  }
  cibaNote(approve ? 'approved' : 'denied', p.accountId, p.binding_message);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) break;
  }
  return new URLSearchParams(body);
}

// The test-only hooks: the person's phone, for curl (tests/idp/ciba.sh).
async function cibaHooks(ctx) {
  const json = (status, body) => { ctx.status = status; ctx.type = 'application/json'; ctx.body = body; };
  if (ctx.path === '/test/ciba/pending' && ctx.method === 'GET') {
    json(200, pendingList().map((p) => ({
      account: p.accountId, binding_message: p.binding_message, login_hint: p.login_hint,
      scope: p.scope, created: p.created,
    })));
    return;
  }
  const m = /^\/test\/ciba\/(approve|deny)$/.exec(ctx.path);
  if (!m || ctx.method !== 'POST') { json(404, { error: 'no_such_hook' }); return; }
  const form = await readForm(ctx.req);
  const bm = form.get('binding_message');
  const account = form.get('account');
  const p = pendingList().reverse().find((x) => (bm === null || x.binding_message === bm)
    && (account === null || x.accountId === account));
  if (!p) { json(404, { error: 'no_pending_request' }); return; }
  try {
    await resolveCiba(p, m[1] === 'approve');
  } catch (err) {
    json(404, { error: 'no_pending_request', error_description: String(err.message) });
    return;
  }
  json(200, { account: p.accountId, binding_message: p.binding_message });
}

// accountId -> grant ids seen in issued tokens (the memory adapter cannot
// be searched by account).
const grantsByAccount = new Map();
function noteGrant(token) {
  if (!token || !token.accountId || !token.grantId) return;
  if (!grantsByAccount.has(token.accountId)) grantsByAccount.set(token.accountId, new Set());
  grantsByAccount.get(token.accountId).add(token.grantId);
}

async function revokeHook(ctx) {
  const json = (status, body) => { ctx.status = status; ctx.type = 'application/json'; ctx.body = body; };
  if (ctx.method !== 'POST') { json(404, { error: 'no_such_hook' }); return; }
  const account = (await readForm(ctx.req)).get('account');
  if (!account) { json(400, { error: 'invalid_request' }); return; }
  const grants = [...(grantsByAccount.get(account) || [])];
  for (const g of grants) {
    await Promise.all([provider.AccessToken, provider.RefreshToken, provider.DeviceCode,
      provider.BackchannelAuthenticationRequest].map((m) => m.revokeByGrantId(g)));
    await provider.Grant.adapter.destroy(g);
  }
  grantsByAccount.delete(account);
  json(200, { account, grants: grants.length });
}

function configuration() {
  return {
    clients: [
      deviceClient('pam-oidc', 'RS256'),
      deviceClient('pam-oidc-es256', 'ES256'),
      deviceClient('pam-oidc-eddsa', 'EdDSA'),
      deviceClient('pam-oidc-confidential', 'RS256', {
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: env.OP_CLIENT_SECRET || 'test-secret',
        ...cibaMetadata,
      }),
      deviceClient('pam-oidc-ciba-post', 'RS256', {
        token_endpoint_auth_method: 'client_secret_post',
        client_secret: env.OP_CLIENT_SECRET || 'test-secret',
        ...cibaMetadata,
      }),
    ],
    jwks: { keys },
    cookies: { keys: ['test-only-cookie-secret'] },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name', 'groups'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      ciba: {
        enabled: CIBA,
        deliveryModes: ['poll'],
        async processLoginHint(ctx, hint) { return accountForHint(hint); },
        async processLoginHintToken() {
          throw new errors.InvalidRequest('login_hint_token is not supported; use login_hint');
        },
        async verifyUserCode(ctx, account, userCode) {
          if (userCode !== undefined) throw new errors.InvalidUserCode('this IdP issues no user codes');
        },
        async validateRequestContext() {},
        // validateBindingMessage: oidc-provider's own rule, on purpose.
        async triggerAuthenticationDevice(ctx, request, account, client) {
          const p = {
            auth_req_id: request.jti,
            accountId: account.accountId,
            clientId: client.clientId,
            binding_message: request.params.binding_message ?? null,
            login_hint: request.params.login_hint ?? null,
            scope: request.scope,
            created: Date.now(),
            expires: Date.now() + request.expiration * 1000,
          };
          pending.set(p.auth_req_id, p);
          cibaNote('pending', p.accountId, p.binding_message);
          if (cibaAuto) {
            setTimeout(() => {
              if (pending.get(p.auth_req_id) === p) {
                resolveCiba(p, cibaAuto === 'approve').catch((err) => console.error('OP_CIBA_AUTO', err));
              }
            }, cibaAutoMs);
          }
        },
      },
    },
    issueRefreshToken: async (ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      DeviceCode: Number(env.OP_DEVICE_TTL || 600),
      IdToken: Number(env.OP_IDTOKEN_TTL || 3600),
      // oidc-provider's rule, with OP_CIBA_TTL in place of its 600 s cap.
      BackchannelAuthenticationRequest: (ctx) => (ctx?.oidc?.params?.requested_expiry
        ? Math.min(cibaTtl, +ctx.oidc.params.requested_expiry) : cibaTtl),
      AccessToken: 3600, RefreshToken: 86400, Grant: 86400, Interaction: 600, Session: 86400,
    },
    async findAccount(ctx, id) {
      const a = ACCOUNTS[id];
      if (!a) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...a }; } };
    },
  };
}

let provider;
process.on('uncaughtException', (err) => { console.error('uncaught', err); });
const server = https.createServer(
  { key: readFileSync(env.OP_TLS_KEY), cert: readFileSync(env.OP_TLS_CERT) },
  (req, res) => {
    // A request can arrive before the provider exists (another test's client
    // retrying a port this server just took): answer, never crash.
    if (!provider) { res.statusCode = 503; res.end(); return; }
    provider.callback()(req, res);
  },
);
server.listen(Number(env.OP_PORT || 0), '127.0.0.1', () => {
  const issuer = `https://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, configuration());
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    if (ctx.path.startsWith('/test/ciba/')) { await cibaHooks(ctx); return; }
    if (ctx.path === '/test/revoke') { await revokeHook(ctx); return; }
    if (slowDown > 0 && ctx.method === 'POST' && ctx.path === '/token') {
      slowDown -= 1;
      if (logFile) appendFileSync(logFile, `${Date.now()} POST /token 400 - slow_down\n`);
      ctx.status = 400;
      ctx.body = { error: 'slow_down', error_description: 'test hook: polling too fast' };
      return;
    }
    await next();
    if (interval !== undefined && ctx.method === 'POST' && ['/device/auth', '/backchannel'].includes(ctx.path) && ctx.status === 200
        && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, interval };
    }
    if (secretLog && ctx.method === 'POST' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      for (const k of ['device_code', 'auth_req_id', 'id_token', 'refresh_token', 'access_token']) {
        if (typeof ctx.body[k] === 'string') appendFileSync(secretLog, `${k} ${ctx.body[k]}\n`);
      }
    }
    if (logFile) {
      const grant = ctx.oidc?.params?.grant_type || '-';
      const error = (ctx.body && typeof ctx.body === 'object' && ctx.body.error) || '-';
      appendFileSync(logFile, `${Date.now()} ${ctx.method} ${ctx.path} ${ctx.status} ${grant} ${error}\n`);
    }
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  provider.on('refresh_token.saved', noteGrant);
  provider.on('access_token.saved', noteGrant);
  console.log(issuer);
});
