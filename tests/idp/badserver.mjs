// A deliberately broken HTTPS "identity provider" for the faults the real
// one cannot produce. The first path segment picks the fault; the issuer is
// https://127.0.0.1:PORT/MODE. A second server on PORT2 presents a
// certificate for another host name. Prints "PORT PORT2" when listening.
// Usage: node badserver.mjs KEY CERT WRONGKEY WRONGCERT
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [key, cert, wkey, wcert] = process.argv.slice(2);
const stalled = [];

function send(res, status, body, type = 'application/json') {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function handler(port) {
  return (req, res) => {
    const url = new URL(req.url, `https://127.0.0.1:${port}`);
    const [, mode, ...rest] = url.pathname.split('/');
    const path = '/' + rest.join('/');
    const base = `https://127.0.0.1:${port}/${mode}`;
    const disc = {
      issuer: base, device_authorization_endpoint: `${base}/device/auth`,
      token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`,
    };
    const probe = {
      ...disc, backchannel_authentication_endpoint: `${base}/bc`,
      backchannel_token_delivery_modes_supported: ['poll'],
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code', 'urn:openid:params:grant-type:ciba'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['sub', 'preferred_username', 'email', 'groups'],
    };
    const stall = () => { stalled.push(res); };   // never answer
    const huge = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let n = 0;
      const more = () => { while (n < 10) { n++; if (!res.write(chunk)) { res.once('drain', more); return; } } res.end('{}'); };
      more();
    };
    if (path === '/.well-known/openid-configuration') {
      switch (mode) {
        case 'disc-500': return send(res, 500, 'internal error', 'text/plain');
        case 'disc-notjson': return send(res, 200, '<html>not json</html>', 'text/html');
        case 'disc-huge': return huge();
        case 'disc-stall': return stall();
        case 'disc-issuer': return send(res, 200, { ...disc, issuer: `${base}-other` });
        case 'disc-redirect':
          res.writeHead(302, { location: `https://127.0.0.1:${port}/ok/.well-known/openid-configuration` });
          return res.end();
        case 'disc-dup': return send(res, 200, `{"issuer":"${base}","issuer":"${base}","token_endpoint":"${base}/token","jwks_uri":"${base}/jwks"}`);
        case 'disc-http': return send(res, 200, { ...disc, token_endpoint: `http://127.0.0.1:${port}/${mode}/token` });
        // For pam-oidc check-config --probe: discoveries that lack or
        // contradict what a configuration relies on.
        case 'probe-good': return send(res, 200, probe);
        case 'probe-nodevice': { const { device_authorization_endpoint: _, ...d } = probe; return send(res, 200, d); }
        case 'probe-hs256': return send(res, 200, { ...probe, id_token_signing_alg_values_supported: ['HS256', 'none'] });
        case 'probe-noclaims': { const { claims_supported: _, ...d } = probe; return send(res, 200, d); }
        case 'probe-malformed': return send(res, 200, { ...probe, claims_supported: 'sub groups',
          scopes_supported: ['openid', 7], backchannel_authentication_endpoint: `http://127.0.0.1:${port}/${mode}/bc` });
        case 'probe-nopoll': return send(res, 200, { ...probe, backchannel_token_delivery_modes_supported: ['ping', 'push'] });
        default: return send(res, 200, disc);
      }
    }
    if (path === '/device/auth') {
      const ok = { device_code: 'dc-' + mode, user_code: 'ABCD-EFGH', verification_uri: `${base}/device`, expires_in: 30, interval: 1 };
      switch (mode) {
        case 'dev-500': return send(res, 500, 'internal error', 'text/plain');
        case 'dev-notjson': return send(res, 200, 'device_code=x&user_code=y', 'text/plain');
        case 'dev-missing': return send(res, 200, { device_code: 'x', expires_in: 30 });
        case 'dev-http-uri': return send(res, 200, { ...ok, verification_uri: `http://127.0.0.1:${port}/device` });
        case 'dev-stall': return stall();
        case 'dev-invalid-client': return send(res, 401, { error: 'invalid_client', error_description: 'client \u001b[31munknown' });
        default: return send(res, 200, ok);
      }
    }
    if (path === '/token') {
      switch (mode) {
        case 'tok-500': return send(res, 503, 'unavailable', 'text/plain');
        case 'tok-denied': return send(res, 400, { error: 'access_denied' });
        case 'tok-huge': return huge();
        case 'tok-stall': return stall();
        case 'tok-noid': return send(res, 200, { access_token: 'at', token_type: 'Bearer' });
        case 'tok-weird': return send(res, 400, { error: 'server_is_confused' });
        default: return send(res, 400, { error: 'authorization_pending' });
      }
    }
    return send(res, 404, { error: 'not_found' });
  };
}

const s1 = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) });
const s2 = https.createServer({ key: readFileSync(wkey), cert: readFileSync(wcert) });
s1.listen(0, '127.0.0.1', () => {
  s1.on('request', handler(s1.address().port));
  s2.listen(0, '127.0.0.1', () => {
    s2.on('request', handler(s2.address().port));
    console.log(`${s1.address().port} ${s2.address().port}`);
  });
});
