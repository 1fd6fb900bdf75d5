// A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider` package
// on 127.0.0.1, with a plain password page of its own instead of the package's development one.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json: {"port": 0, "accounts": "accounts.json", "clients": [{...oidc-provider client...}]}
// The accounts file is read on every sign-in, so a test changes someone's groups by rewriting it:
//   {"alice": {"password": "…", "sub": "u-1", "claims": {"email": "…", "groups": ["…"]}}}
// Once listening, the provider prints one line `listening http://127.0.0.1:PORT` on stdout.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function accounts() {
  return JSON.parse(readFileSync(config.accounts, 'utf8'));
}

function accountBySubject(sub) {
  return Object.values(accounts()).find((account) => account.sub === sub);
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function loginForm(uid, error) {
  return page('Test identity provider', `
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}">
      <label>Email or username <input name="login" autocomplete="off" required autofocus></label>
      <label>Password <input name="password" type="password" required></label>
      <button type="submit">Continue</button>
    </form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function start() {
  const server = createServer();
  await new Promise((resolve) => { server.listen(config.port || 0, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients: config.clients,
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
      roles: ['realm_access'],  // as Keycloak nests realm roles
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    // Every client here must use PKCE (S256), whatever its kind.
    pkce: { required: () => true },
    async findAccount(_ctx, sub) {
      const account = accountBySubject(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A company provider's own app needs no consent screen: grant what it asks for.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (_ctx, error) => { console.error('server_error', error); });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([\w-]+)$/);
    if (!match) {
      callback(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(loginForm(details.uid));
        return;
      }
      const form = await readForm(req);
      const account = accounts()[form.get('login')];
      if (!account || account.password !== form.get('password')) {
        res.statusCode = 401;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(loginForm(details.uid, 'Wrong email or password.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
        mergeWithLastSubmission: false,
      });
    } catch (error) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Sign-in failed', `<p>${escape(error.message)}</p>`));
    }
  });

  console.log(`listening ${issuer}`);
}

start().catch((error) => {
  console.error(error);
  process.exit(1);
});
