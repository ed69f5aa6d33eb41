// A real OpenID provider (the certified `oidc-provider` package) on 127.0.0.1, for
// Switchboard's single sign-on tests. Usage:
//   node server.mjs REDIRECT_URI
// It prints `issuer http://127.0.0.1:PORT` on its first line once it listens.
//
// Clients: `switchboard` (secret `sso-client-secret`) and `another-app`. Accounts (any
// password; the development login page of oidc-provider):
//   alice  alice@example.com, verified
//   eve    eve@example.com, NOT verified
//   nobody nobody@example.com, verified (no Switchboard account has this email)
//   mallory alice@example.com, verified, but its ID token is re-signed for `another-app`
//           (a token meant for another client: Switchboard must refuse its audience)
import http from 'node:http';
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt } from 'jose';

const redirectUri = process.argv[2];
if (!redirectUri) {
  console.error('usage: node server.mjs REDIRECT_URI');
  process.exit(2);
}

const accounts = {
  alice: { email: 'alice@example.com', email_verified: true },
  eve: { email: 'eve@example.com', email_verified: false },
  nobody: { email: 'nobody@example.com', email_verified: true },
  mallory: { email: 'alice@example.com', email_verified: true },
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'switchboard',
      client_secret: 'sso-client-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    {
      client_id: 'another-app',
      client_secret: 'another-secret',
      redirect_uris: ['http://127.0.0.1:1/callback'],
    },
  ],
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // The email claims in the ID token itself, as the large providers send them.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;

// mallory's ID token is re-signed with the provider's own key for another client.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    const claims = decodeJwt(ctx.body.id_token);
    if (claims.sub === 'mallory') {
      claims.aud = 'another-app';
      claims.azp = 'another-app';
      ctx.body.id_token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .sign(privateKey);
    }
  }
});

server.on('request', provider.callback());
console.log(`issuer ${issuer}`);
// Anything said later goes to stderr: the reader of stdout may have stopped reading.
for (const level of ['log', 'info', 'warn', 'debug']) console[level] = console.error;
