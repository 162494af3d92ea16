// Provider profiles (issue 17): Google, Microsoft Entra ID, Keycloak, Okta,
// Authentik and Dex as their published documentation describes them —
// host names and paths, member names, token shapes, error forms — on one
// HTTPS server that picks the provider by Host header. It must run inside
// a network namespace whose /etc/hosts maps those names to 127.0.0.1
// (tests/e2e/test_profiles.sh); it never talks to anything.
//
// Usage: node profiles.mjs KEY CERT [HTTPS_PORT] [CONTROL_PORT]
// The control port (plain http, 127.0.0.1) is the test-only approval hook,
// the person at the browser:
//   POST /approve?code=USER_CODE&account=NAME[&deny=1]   body: JSON claims
//        merged into that account's ID token (null removes a claim)
//   POST /slowdown?n=N   the next N device-code polls answer slow_down
//   GET  /log     one line per request: "host method path status auth ms"
// Knobs: PROF_INTERVAL (poll interval every profile announces; default the
// provider's own, 5 s).
import https from 'node:https';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';

const [keyFile, certFile] = process.argv.slice(2, 4);
const PORT = Number(process.argv[4] || 443);
const CTL_PORT = Number(process.argv[5] || 8080);
const INTERVAL = process.env.PROF_INTERVAL ? Number(process.env.PROF_INTERVAL) : undefined;
const now = () => Math.floor(Date.now() / 1000);
const b64u = (b) => Buffer.from(b).toString('base64url');
const requests = [];
let slowDown = 0;

// Dex's sub: the base64url (no padding) of a protobuf message holding the
// connector's user id (field 1) and the connector id (field 2).
function dexSub(userId, connectorId) {
  const f = (tag, s) => Buffer.concat([Buffer.from([tag, Buffer.byteLength(s)]), Buffer.from(s)]);
  return b64u(Buffer.concat([f(0x0a, userId), f(0x12, connectorId)]));
}

const ENTRA_TID = '5b0ec24a-8e1c-4f3a-9d2b-6c7e1f0a3d44';
const ENTRA_GROUP_ADMINS = '0b6ad3e4-1a37-4c5b-9b0e-2b2c5e7a1f00';

// Each profile: hosts it answers on, its issuer, the paths of its endpoints,
// what its device response and errors look like, its clients and accounts.
const PROFILES = {
  // developers.google.com/identity/protocols/oauth2/limited-input-device and
  // .../openid-connect: discovery on accounts.google.com, the device and
  // token endpoints on oauth2.googleapis.com, keys on www.googleapis.com;
  // "verification_url"; a client secret on every token request; errors
  // with HTTP 428 (authorization_pending) and 403 (slow_down, access_denied);
  // scopes limited to openid, email, profile; no preferred_username.
  google: {
    hosts: ['accounts.google.com', 'oauth2.googleapis.com', 'www.googleapis.com'],
    issuer: 'https://accounts.google.com',
    discoveryPath: '/.well-known/openid-configuration',
    device: 'https://oauth2.googleapis.com/device/code',
    token: 'https://oauth2.googleapis.com/token',
    jwks: 'https://www.googleapis.com/oauth2/v3/certs',
    discoveryExtra: {
      authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
      revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: ['authorization_code', 'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    },
    allowedScopes: ['openid', 'email', 'profile'],
    clients: { '407408718192-pamoidc.apps.googleusercontent.com': { secret: 'GOCSPX-test-only-secret' } },
    deviceResponse: (dc, uc) => ({ device_code: dc, user_code: uc, expires_in: 1800, interval: 5,
      verification_url: 'https://www.google.com/device' }),
    userCode: () => 'GQVQ-JKEC'.replace(/[A-Z]/g, () => 'BCDFGHJKLMNPQRSTVWXZ'[randomBytes(1)[0] % 20]),
    errors: {
      authorization_pending: [428, { error: 'authorization_pending', error_description: 'Precondition Required' }],
      slow_down: [403, { error: 'slow_down', error_description: 'Forbidden' }],
      access_denied: [403, { error: 'access_denied', error_description: 'Forbidden' }],
      expired_token: [400, { error: 'expired_token', error_description: 'Bad Request' }],
      invalid_client: [401, { error: 'invalid_client', error_description: 'Unauthorized' }],
    },
    header: { typ: 'JWT' },
    accounts: {
      alice: { sub: '110169484474386276334', email: 'alice@corp.example', email_verified: true, hd: 'corp.example',
        name: 'Alice Example', given_name: 'Alice', family_name: 'Example',
        picture: 'https://lh3.googleusercontent.com/a/test' },
      bob: { sub: '108442371987654321098', email: 'bob@gmail.example', email_verified: true, name: 'Bob Consumer' },
    },
    claims: (p, client) => ({ azp: client, at_hash: b64u(randomBytes(16)) }),
    tokenExtra: { scope: 'openid https://www.googleapis.com/auth/userinfo.email', expires_in: 3599 },
  },
  // learn.microsoft.com: "OAuth 2.0 device authorization grant" (the
  // /devicecode endpoint, the message member, authorization_declined and
  // bad_verification_code), "ID token claims reference" (tid, oid, ver 2.0,
  // preferred_username = UPN) and the groups overage claim (_claim_names /
  // _claim_sources past 200 groups).
  entra: {
    hosts: ['login.microsoftonline.com'],
    issuer: `https://login.microsoftonline.com/${ENTRA_TID}/v2.0`,
    discoveryPath: `/${ENTRA_TID}/v2.0/.well-known/openid-configuration`,
    device: `https://login.microsoftonline.com/${ENTRA_TID}/oauth2/v2.0/devicecode`,
    token: `https://login.microsoftonline.com/${ENTRA_TID}/oauth2/v2.0/token`,
    jwks: `https://login.microsoftonline.com/${ENTRA_TID}/discovery/v2.0/keys`,
    discoveryExtra: {
      authorization_endpoint: `https://login.microsoftonline.com/${ENTRA_TID}/oauth2/v2.0/authorize`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      tenant_region_scope: 'EU', cloud_instance_name: 'microsoftonline.com', cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com', rbac_url: 'https://pas.windows.net',
      kerberos_endpoint: `https://login.microsoftonline.com/${ENTRA_TID}/kerberos`,
    },
    clients: { 'c0ffee00-1234-4abc-8def-0123456789ab': {} },
    deviceResponse: (dc, uc) => ({ user_code: uc, device_code: dc, verification_uri: 'https://microsoft.com/devicelogin',
      expires_in: 900, interval: 5,
      message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${uc} to authenticate.` }),
    userCode: () => Array.from(randomBytes(9), (b) => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'[b % 32]).join(''),
    errors: Object.fromEntries(['authorization_pending', 'authorization_declined', 'expired_token', 'slow_down',
      'invalid_client'].map((e) => [e, [e === 'invalid_client' ? 401 : 400, {
      error: e, error_description: `AADSTS70016: test profile: ${e}.`, error_codes: [70016],
      timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z', trace_id: randomUUID(),
      correlation_id: randomUUID(), error_uri: 'https://login.microsoftonline.com/error?code=70016' }]])),
    deny: 'authorization_declined',
    header: { typ: 'JWT' },
    jwkExtra: { issuer: `https://login.microsoftonline.com/${ENTRA_TID}/v2.0` },
    accounts: {
      alice: { sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', oid: '00000000-0000-0000-66f3-3332eca7ea81',
        preferred_username: 'alice@contoso.example', name: 'Alice Example',
        groups: [ENTRA_GROUP_ADMINS, '7f1c4a2e-5d3b-4e6f-8a9b-0c1d2e3f4a5b'] },
      // More than 200 groups: Entra sends them by reference (the overage).
      bob: { sub: 'AAAAAAAAAAAAAAAAAAAAAKb0b0b0b0b0b0b0b0b0b0b', oid: '00000000-0000-0000-0b0b-0b0b0b0b0b0b',
        preferred_username: 'bob@contoso.example', name: 'Bob Example',
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/00000000-0000-0000-0b0b-0b0b0b0b0b0b/getMemberObjects' } } },
    },
    claims: () => ({ tid: ENTRA_TID, ver: '2.0', aio: b64u(randomBytes(24)), rh: '0.AAAA' + b64u(randomBytes(12)) + '.',
      uti: b64u(randomBytes(16)), nbf: now() }),
    tokenExtra: { token_type: 'Bearer', scope: 'openid profile email', expires_in: 4143, ext_expires_in: 4143 },
  },
  // keycloak.org docs (Server admin, "Device Authorization Grant"; OIDC
  // endpoints under /realms/REALM/protocol/openid-connect) and the Group
  // Membership mapper (full group path: "/parent/child").
  keycloak: {
    hosts: ['keycloak.example.test'],
    issuer: 'https://keycloak.example.test/realms/staff',
    discoveryPath: '/realms/staff/.well-known/openid-configuration',
    device: 'https://keycloak.example.test/realms/staff/protocol/openid-connect/auth/device',
    token: 'https://keycloak.example.test/realms/staff/protocol/openid-connect/token',
    jwks: 'https://keycloak.example.test/realms/staff/protocol/openid-connect/certs',
    discoveryExtra: {
      authorization_endpoint: 'https://keycloak.example.test/realms/staff/protocol/openid-connect/auth',
      userinfo_endpoint: 'https://keycloak.example.test/realms/staff/protocol/openid-connect/userinfo',
      end_session_endpoint: 'https://keycloak.example.test/realms/staff/protocol/openid-connect/logout',
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post',
        'tls_client_auth', 'client_secret_jwt'],
    },
    clients: { 'pam-oidc': {} },
    deviceResponse: (dc, uc) => ({ device_code: dc, user_code: uc,
      verification_uri: 'https://keycloak.example.test/realms/staff/device',
      verification_uri_complete: `https://keycloak.example.test/realms/staff/device?user_code=${uc}`,
      expires_in: 600, interval: 5 }),
    userCode: () => Array.from(randomBytes(8), (b) => 'BCDFGHJKLMNPQRSTVWXZ'[b % 20]).join('').replace(/^(.{4})/, '$1-'),
    header: { typ: 'JWT' },
    accounts: {
      alice: { sub: '3c1ab1f0-5f2e-4a55-9b1e-8e6a2f6d9a10', preferred_username: 'alice', email: 'alice@example.test',
        email_verified: true, name: 'Alice Example', given_name: 'Alice', family_name: 'Example',
        groups: ['/unix-admins', '/staff/devs'] },
      bob: { sub: '9d2c7e41-0b8a-4c3d-a1f6-2e5b7c9d0e12', preferred_username: 'bob', email: 'bob@example.test',
        email_verified: true, name: 'Bob Example', groups: ['/staff/unix-admins'] },
    },
    claims: (p, client) => ({ typ: 'ID', azp: client, jti: randomUUID(), auth_time: now(), session_state: randomUUID(),
      sid: randomUUID(), acr: '1', at_hash: b64u(randomBytes(16)) }),
  },
  // developer.okta.com: "Configure the Device Authorization Grant flow" and
  // the custom authorization server (/oauth2/default/v1/...), ID token with
  // ver 1, idp, amr and the Okta login as preferred_username.
  okta: {
    hosts: ['dev-31337.okta.com'],
    issuer: 'https://dev-31337.okta.com/oauth2/default',
    discoveryPath: '/oauth2/default/.well-known/openid-configuration',
    device: 'https://dev-31337.okta.com/oauth2/default/v1/device/authorize',
    token: 'https://dev-31337.okta.com/oauth2/default/v1/token',
    jwks: 'https://dev-31337.okta.com/oauth2/default/v1/keys',
    discoveryExtra: {
      authorization_endpoint: 'https://dev-31337.okta.com/oauth2/default/v1/authorize',
      userinfo_endpoint: 'https://dev-31337.okta.com/oauth2/default/v1/userinfo',
      registration_endpoint: 'https://dev-31337.okta.com/oauth2/v1/clients',
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt',
        'private_key_jwt', 'none'],
    },
    clients: { '0oa8pamoidcTEST5d7': {} },
    deviceResponse: (dc, uc) => ({ device_code: dc, user_code: uc,
      verification_uri: 'https://dev-31337.okta.com/activate',
      verification_uri_complete: `https://dev-31337.okta.com/activate?user_code=${uc}`,
      expires_in: 600, interval: 5 }),
    userCode: () => Array.from(randomBytes(8), (b) => 'BCDFGHJKLMNPQRSTVWXZ'[b % 20]).join(''),
    header: {},
    accounts: {
      alice: { sub: '00u1a2b3c4D5e6F7g8h9', name: 'Alice Example', email: 'alice@example.com',
        preferred_username: 'alice@example.com', groups: ['Everyone', 'unix-admins'] },
    },
    claims: () => ({ ver: 1, jti: 'ID.' + b64u(randomBytes(24)), amr: ['pwd'], idp: '00o1a2b3c4d5e6f7g8h9',
      auth_time: now(), at_hash: b64u(randomBytes(16)) }),
  },
  // docs.goauthentik.io: OAuth2 provider endpoints (the issuer carries the
  // application slug and a trailing slash; device and token endpoints are
  // shared by all applications), device code flow.
  authentik: {
    hosts: ['authentik.example.test'],
    issuer: 'https://authentik.example.test/application/o/pam-oidc/',
    discoveryPath: '/application/o/pam-oidc/.well-known/openid-configuration',
    device: 'https://authentik.example.test/application/o/device/',
    token: 'https://authentik.example.test/application/o/token/',
    jwks: 'https://authentik.example.test/application/o/pam-oidc/jwks/',
    discoveryExtra: {
      authorization_endpoint: 'https://authentik.example.test/application/o/authorize/',
      userinfo_endpoint: 'https://authentik.example.test/application/o/userinfo/',
      end_session_endpoint: 'https://authentik.example.test/application/o/pam-oidc/end-session/',
      introspection_endpoint: 'https://authentik.example.test/application/o/introspect/',
      revocation_endpoint: 'https://authentik.example.test/application/o/revoke/',
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    },
    clients: { 'pamOidcAuthentikClientId0123456789': {} },
    deviceResponse: (dc, uc) => ({ device_code: dc, user_code: uc,
      verification_uri: 'https://authentik.example.test/device',
      verification_uri_complete: `https://authentik.example.test/device?code=${uc}`,
      expires_in: 60, interval: 5 }),
    userCode: () => String(100000 + (randomBytes(3).readUIntBE(0, 3) % 900000)),
    header: { typ: 'JWT' },
    accounts: {
      alice: { sub: 'f6c2f0b5a3e1d4c7b8a9e0f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f', preferred_username: 'alice',
        nickname: 'alice', email: 'alice@example.test', email_verified: true, name: 'Alice Example',
        given_name: 'Alice Example', groups: ['authentik Admins', 'unix-admins'] },
    },
    claims: () => ({ auth_time: now(), acr: 'goauthentik.io/providers/oauth2/default', amr: ['pwd'] }),
  },
  // dexidp.io: "Device Authorization Flow" (/device/code, /device), the
  // opaque sub (connector user id + connector id, protobuf, base64url).
  dex: {
    hosts: ['dex.example.test'],
    issuer: 'https://dex.example.test/dex',
    discoveryPath: '/dex/.well-known/openid-configuration',
    device: 'https://dex.example.test/dex/device/code',
    token: 'https://dex.example.test/dex/token',
    jwks: 'https://dex.example.test/dex/keys',
    discoveryExtra: {
      authorization_endpoint: 'https://dex.example.test/dex/auth',
      userinfo_endpoint: 'https://dex.example.test/dex/userinfo',
      introspection_endpoint: 'https://dex.example.test/dex/token/introspect',
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'email', 'email_verified', 'locale', 'name',
        'preferred_username', 'at_hash'],
    },
    clients: { 'pam-oidc': {} },
    deviceResponse: (dc, uc) => ({ device_code: dc, user_code: uc,
      verification_uri: 'https://dex.example.test/dex/device',
      verification_uri_complete: `https://dex.example.test/dex/device?user_code=${uc}`,
      expires_in: 300, interval: 5 }),
    userCode: () => Array.from(randomBytes(8), (b) => 'BCDFGHJKLMNPQRSTVWXZ'[b % 20]).join('').replace(/^(.{4})/, '$1-'),
    header: {},
    accounts: {
      alice: { sub: dexSub('cn=alice,ou=people,dc=example,dc=test', 'ldap'), email: 'alice@example.test',
        email_verified: true, name: 'Alice Example', groups: ['unix-admins'] },
    },
    claims: () => ({ at_hash: b64u(randomBytes(16)) }),
  },
};

const STANDARD_ERRORS = Object.fromEntries(['authorization_pending', 'slow_down', 'access_denied', 'expired_token',
  'invalid_client', 'invalid_grant', 'invalid_scope'].map((e) => [e, [e === 'invalid_client' ? 401 : 400, { error: e }]]));

for (const [name, p] of Object.entries(PROFILES)) {
  p.name = name;
  const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  p.key = kp.privateKey;
  p.kid = `${name}-${b64u(randomBytes(6))}`;
  p.jwk = { ...kp.publicKey.export({ format: 'jwk' }), kid: p.kid, use: 'sig', alg: 'RS256', ...(p.jwkExtra || {}) };
}
const byHost = {};
for (const p of Object.values(PROFILES)) for (const h of p.hosts) byHost[h] = p;

const devices = new Map();   // device_code -> grant
const byUserCode = new Map();

function send(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store',
    'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function fail(p, res, code) {
  const [status, body] = (p.errors && p.errors[code]) || STANDARD_ERRORS[code] || [400, { error: code }];
  send(res, status, body);
  return status;
}

function idToken(p, g) {
  const t = now();
  const claims = { iss: p.issuer, aud: g.client, iat: t, exp: t + 3600, ...p.accounts[g.account],
    ...(p.claims ? p.claims(p, g.client) : {}) };
  for (const [k, v] of Object.entries(g.override || {})) {
    if (v === null) delete claims[k]; else claims[k] = v;
  }
  const h = b64u(JSON.stringify({ alg: 'RS256', kid: p.kid, ...p.header }));
  const body = b64u(JSON.stringify(claims));
  return `${h}.${body}.${b64u(sign('sha256', Buffer.from(`${h}.${body}`), p.key))}`;
}

// Client authentication: client_secret_basic or client_secret_post.
function clientOf(req, form) {
  let id = form.get('client_id'), secret = form.get('client_secret'), how = secret ? 'post' : 'none';
  const auth = req.headers.authorization || '';
  if (auth.startsWith('Basic ')) {
    const [u, s] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    id = decodeURIComponent(u); secret = decodeURIComponent(s || ''); how = 'basic';
  }
  return { id, secret, how };
}

function handle(req, res, body) {
  const host = (req.headers.host || '').replace(/:\d+$/, '');
  const p = byHost[host];
  const url = new URL(req.url, `https://${host}`);
  const full = `https://${host}${url.pathname}`;
  const form = new URLSearchParams(req.method === 'POST' ? body : '');
  const c = clientOf(req, form);
  const log = (status) => requests.push(`${host} ${req.method} ${url.pathname} ${status} ${c.how} ${Date.now()}`);
  if (!p) { log(421); return send(res, 421, { error: 'misdirected' }); }
  const known = p.clients[c.id];
  const secretOk = known && (!known.secret || c.secret === known.secret);
  if (req.method === 'GET' && `https://${host}${url.pathname}` === new URL(p.discoveryPath, p.issuer).href) {
    log(200);
    return send(res, 200, { issuer: p.issuer, device_authorization_endpoint: p.device, token_endpoint: p.token,
      jwks_uri: p.jwks, response_types_supported: ['code', 'id_token', 'code id_token'],
      subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
      ...p.discoveryExtra });
  }
  if (req.method === 'GET' && full === p.jwks) { log(200); return send(res, 200, { keys: [p.jwk] }); }
  if (req.method === 'POST' && full === p.device) {
    if (!known) return log(fail(p, res, 'invalid_client'));
    const scopes = (form.get('scope') || '').split(' ').filter(Boolean);
    if (p.allowedScopes && scopes.some((s) => !p.allowedScopes.includes(s))) {
      return log(fail(p, res, 'invalid_scope'));
    }
    const dc = b64u(randomBytes(32)), uc = p.userCode();
    const g = { profile: p, client: c.id, status: 'pending', account: null, override: null,
      expires: Date.now() + p.deviceResponse('', '').expires_in * 1000 };
    devices.set(dc, g); byUserCode.set(uc, g);
    const r = p.deviceResponse(dc, uc);
    if (INTERVAL !== undefined) r.interval = INTERVAL;
    log(200); return send(res, 200, r);
  }
  if (req.method === 'POST' && full === p.token) {
    if (!secretOk) return log(fail(p, res, 'invalid_client'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:device_code') {
      log(400); return send(res, 400, { error: 'unsupported_grant_type' });
    }
    const g = devices.get(form.get('device_code') || '');
    if (!g || g.profile !== p || g.client !== c.id) return log(fail(p, res, 'invalid_grant'));
    if (Date.now() > g.expires) return log(fail(p, res, 'expired_token'));
    if (slowDown > 0) { slowDown -= 1; return log(fail(p, res, 'slow_down')); }
    if (g.status === 'pending') return log(fail(p, res, 'authorization_pending'));
    devices.delete(form.get('device_code'));
    if (g.status === 'denied') return log(fail(p, res, p.deny || 'access_denied'));
    log(200);
    return send(res, 200, { access_token: b64u(randomBytes(32)), token_type: 'Bearer', expires_in: 3600,
      refresh_token: b64u(randomBytes(32)), id_token: idToken(p, g), ...(p.tokenExtra || {}) });
  }
  log(404);
  return send(res, 404, { error: 'not_found' });
}

const server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; if (body.length > 65536) req.destroy(); });
  req.on('end', () => handle(req, res, body));
});

const control = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/log') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(requests.join('\n') + '\n');
    }
    if (url.pathname === '/slowdown' && req.method === 'POST') {
      slowDown = Number(url.searchParams.get('n') || 1);
      return send(res, 200, { ok: true });
    }
    if (url.pathname === '/approve' && req.method === 'POST') {
      const g = byUserCode.get(url.searchParams.get('code') || '');
      const account = url.searchParams.get('account');
      if (!g || g.status !== 'pending' || !g.profile.accounts[account]) return send(res, 404, { error: 'no such code or account' });
      g.account = account;
      g.override = body ? JSON.parse(body) : null;
      g.status = url.searchParams.get('deny') ? 'denied' : 'approved';
      return send(res, 200, { ok: true, profile: g.profile.name });
    }
    return send(res, 404, { error: 'not_found' });
  });
});

server.listen(PORT, '127.0.0.1', () => {
  control.listen(CTL_PORT, '127.0.0.1', () => console.log(`profiles listening on ${PORT}, control ${CTL_PORT}`));
});
