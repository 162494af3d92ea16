// The test OpenID Provider for pam_oidc: panva/oidc-provider (OpenID Certified)
// over TLS on 127.0.0.1, device flow on. Started by tests/idp/start.sh.
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
//   OP_SECRET_LOG      append "name value" for every device_code and token
//                      issued, so tests can prove none of them leaks
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import https from 'node:https';
import Provider from 'oidc-provider';

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

function configuration() {
  return {
    clients: [
      deviceClient('pam-oidc', 'RS256'),
      deviceClient('pam-oidc-es256', 'ES256'),
      deviceClient('pam-oidc-eddsa', 'EdDSA'),
      deviceClient('pam-oidc-confidential', 'RS256', {
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: env.OP_CLIENT_SECRET || 'test-secret',
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
    },
    issueRefreshToken: async (ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      DeviceCode: Number(env.OP_DEVICE_TTL || 600),
      IdToken: Number(env.OP_IDTOKEN_TTL || 3600),
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
    if (slowDown > 0 && ctx.method === 'POST' && ctx.path === '/token') {
      slowDown -= 1;
      if (logFile) appendFileSync(logFile, `${Date.now()} POST /token 400 - slow_down\n`);
      ctx.status = 400;
      ctx.body = { error: 'slow_down', error_description: 'test hook: polling too fast' };
      return;
    }
    await next();
    if (interval !== undefined && ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200
        && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, interval };
    }
    if (secretLog && ctx.method === 'POST' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      for (const k of ['device_code', 'id_token', 'refresh_token', 'access_token']) {
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
  console.log(issuer);
});
