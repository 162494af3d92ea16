// Keys and ID tokens a test controls, with node's own crypto (no package):
// what a taken-over helper, or a replaying attacker, would hold.
//   node forge.mjs key DIR KID        -> DIR/KID.pem, DIR/KID.jwks (one RS256 key), prints its RFC 7638 thumbprint
//   node forge.mjs token DIR KID ISS AUD USER IAT EXP -> prints a compact RS256 JWS
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const b64u = (b) => Buffer.from(b).toString('base64url');
const [cmd, dir, kid, ...rest] = process.argv.slice(2);

if (cmd === 'key') {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const jwk = publicKey.export({ format: 'jwk' });
	writeFileSync(`${dir}/${kid}.pem`, privateKey.export({ format: 'pem', type: 'pkcs8' }));
	writeFileSync(`${dir}/${kid}.jwks`, JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }));
	// RFC 7638 §3.2: required members, lexicographic order, no whitespace.
	const canon = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
	console.log(b64u(createHash('sha256').update(canon).digest()));
} else if (cmd === 'token') {
	const [iss, aud, user, iat, exp] = rest;
	const head = b64u(JSON.stringify({ alg: 'RS256', kid }));
	const body = b64u(JSON.stringify({ iss, aud, sub: `sub-${user}`, preferred_username: user,
		iat: Number(iat), exp: Number(exp) }));
	const key = createPrivateKey(readFileSync(`${dir}/${kid}.pem`));
	console.log(`${head}.${body}.${b64u(sign('sha256', Buffer.from(`${head}.${body}`), key))}`);
} else {
	console.error('usage: forge.mjs key DIR KID | token DIR KID ISS AUD USER IAT EXP');
	process.exit(2);
}
