#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The benchmark's reference relying party: the requests sesame-bench-http
// makes, answered by @simplewebauthn/server on Node, with the semantics of
// Sesame's tenant that a sign-in depends on:
//
//  - challenges are random, single use (consumed before the verdict, so a
//    failed attempt uses one up too) and expire after five minutes;
//  - a passkey's signature counter is stored and must go up (the library
//    refuses a counter that does not; the new one is written back);
//  - a sign-in answers with a signed access token (HS256 JWT), as Sesame's
//    does, and a registration needs a token from a tracked action.
//
// The store is in memory (Maps), not SQLite: that spares this server the
// disk writes and commits sesame-server makes, so any bias favours it.
// It is not a tenant: no events, no action states beyond what the load
// needs, one tenant. It prints the same startup lines as sesame-server so
// the benchmark starts both the same way:
//
//   bench/reference/server.mjs --port 0 --data-dir DIR

import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const TOKEN_TTL_S = 10 * 60;
const MAX_BODY = 64 * 1024;
const RP_ID = 'localhost';

function parseArgs(argv) {
  const args = { port: 0 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') args.port = Number(argv[++i]);
    else if (argv[i] === '--data-dir') args.dataDir = argv[++i];   // accepted, unused: in memory
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535)
    throw new Error('--port needs a number from 0 to 65535');
  return args;
}

const tenantId = randomUUID();
const secretKey = randomBytes(24).toString('base64url');
const tokenKey = randomBytes(32);

const challenges = new Map();  // id → { challenge, type, userId, expires }
const passkeys = new Map();    // credential id (base64url) → { id, userId, publicKey, counter, transports }
const users = new Map();       // userId → { userId, username, handle }
const actions = new Map();     // idempotency key → { userId, state }

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function sameSecret(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// "Basic base64(user[:password])" → [user, password]
function basic(req) {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic '))
    throw new HttpError(401, 'unauthorized', 'Basic authorization required');
  const plain = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return colon < 0 ? [plain, ''] : [plain.slice(0, colon), plain.slice(colon + 1)];
}

function requireTenant(req) {
  if (!sameSecret(basic(req)[0], tenantId))
    throw new HttpError(401, 'unauthorized', 'unknown tenant');
}

// The secret key is the user part ("secret:"), as Authsignal's server SDKs send it.
function requireSecret(req) {
  if (!sameSecret(basic(req)[0], secretKey))
    throw new HttpError(401, 'unauthorized', 'bad secret key');
}

function issueToken(claims) {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + TOKEN_TTL_S }))
    .toString('base64url');
  const signature = createHmac('sha256', tokenKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function verifyToken(req) {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer '))
    throw new HttpError(401, 'unauthorized', 'Bearer token required');
  const parts = header.slice(7).split('.');
  if (parts.length !== 3)
    throw new HttpError(401, 'invalid_token', 'malformed token');
  const expected = createHmac('sha256', tokenKey).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  if (!sameSecret(parts[2], expected))
    throw new HttpError(401, 'invalid_token', 'bad token signature');
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (claims.exp < Date.now() / 1000)
    throw new HttpError(401, 'token_expired', 'token expired');
  return claims;
}

function newChallenge(challenge, type, userId) {
  const id = randomUUID();
  challenges.set(id, { challenge, type, userId, expires: Date.now() + CHALLENGE_TTL_MS });
  return id;
}

// Single use: taken out of the store before anything is verified.
function consumeChallenge(id, type) {
  const entry = typeof id === 'string' ? challenges.get(id) : undefined;
  if (!entry || entry.type !== type)
    throw new HttpError(400, 'invalid_challenge', 'unknown challenge');
  challenges.delete(id);
  if (entry.expires < Date.now())
    throw new HttpError(400, 'challenge_expired', 'challenge expired');
  return entry;
}

const routes = {
  // Server API: track an action, which yields a token for registration.
  async track(req, body, userId, actionCode) {
    requireSecret(req);
    if (!users.has(userId))
      users.set(userId, { userId, username: body.username ?? userId, handle: randomBytes(16) });
    const idempotencyKey = randomUUID();
    actions.set(idempotencyKey, { userId, state: 'CHALLENGE_REQUIRED' });
    return { token: issueToken({ sub: userId, actionCode, idempotencyKey, tenantId }),
             idempotencyKey, state: 'CHALLENGE_REQUIRED' };
  },

  async registrationOptions(req, body) {
    const claims = verifyToken(req);
    const user = users.get(claims.sub);
    if (!user)
      throw new HttpError(404, 'not_found', 'unknown user');
    if (typeof body.username === 'string')
      user.username = body.username;
    const options = await generateRegistrationOptions({
      rpName: 'Sesame reference',
      rpID: RP_ID,
      userName: user.username,
      userID: user.handle,
      attestationType: 'none',
      authenticatorSelection: {
        residentKey: 'required',
        userVerification: 'preferred',
        authenticatorAttachment: body.authenticatorAttachment,
      },
      excludeCredentials: [...passkeys.values()]
        .filter((p) => p.userId === user.userId)
        .map((p) => ({ id: p.id, transports: p.transports })),
    });
    const challengeId = newChallenge(options.challenge, 'registration', user.userId);
    return { challengeId, options };
  },

  async register(req, body, origin) {
    const claims = verifyToken(req);
    const action = actions.get(claims.idempotencyKey);
    if (!action || action.state !== 'CHALLENGE_REQUIRED')
      throw new HttpError(400, 'invalid_action', 'the action is closed');
    const entry = consumeChallenge(body.challengeId, 'registration');
    if (entry.userId !== claims.sub)
      throw new HttpError(400, 'invalid_challenge', 'challenge of another user');
    const verification = await verifyRegistrationResponse({
      response: body.registrationCredential,
      expectedChallenge: entry.challenge,
      expectedOrigin: origin,
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
    if (!verification.verified)
      throw new HttpError(400, 'invalid_credential', 'registration not verified');
    const { credential } = verification.registrationInfo;
    if (passkeys.has(credential.id))
      throw new HttpError(409, 'conflict', 'already registered');
    const authenticatorId = randomUUID();
    passkeys.set(credential.id, {
      id: credential.id,
      authenticatorId,
      userId: claims.sub,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: body.registrationCredential.response?.transports,
    });
    action.state = 'CHALLENGE_SUCCEEDED';
    return {
      isVerified: true,
      userId: claims.sub,
      userAuthenticatorId: authenticatorId,
      accessToken: issueToken({ sub: claims.sub, idempotencyKey: claims.idempotencyKey, tenantId }),
    };
  },

  async authenticationOptions(req) {
    requireTenant(req);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'preferred' });
    return { challengeId: newChallenge(options.challenge, 'authentication', null), options };
  },

  async verify(req, body, origin) {
    requireTenant(req);
    const response = body.authenticationCredential;
    const passkey = passkeys.get(response?.id);
    if (!passkey)
      throw new HttpError(404, 'unknown_credential', 'no such passkey');
    const entry = consumeChallenge(body.challengeId, 'authentication');
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: entry.challenge,
      expectedOrigin: origin,
      expectedRPID: RP_ID,
      credential: { id: passkey.id, publicKey: passkey.publicKey, counter: passkey.counter,
                    transports: passkey.transports },
      requireUserVerification: false,
    });
    if (!verification.verified)
      throw new HttpError(400, 'invalid_credential', 'assertion not verified');
    // The library refused a counter that did not go up; keep the new one.
    passkey.counter = verification.authenticationInfo.newCounter;
    const idempotencyKey = randomUUID();
    actions.set(idempotencyKey, { userId: passkey.userId, state: 'CHALLENGE_SUCCEEDED' });
    return {
      isVerified: true,
      userId: passkey.userId,
      userAuthenticatorId: passkey.authenticatorId,
      accessToken: issueToken({ sub: passkey.userId, idempotencyKey, tenantId }),
    };
  },
};

function route(method, path) {
  if (method !== 'POST')
    return null;
  const track = /^\/v1\/users\/([^/]+)\/actions\/([^/]+)$/.exec(path);
  if (track)
    return (req, body) => routes.track(req, body, decodeURIComponent(track[1]),
                                       decodeURIComponent(track[2]));
  switch (path) {
    case '/v1/client/user-authenticators/passkey/registration-options': return routes.registrationOptions;
    case '/v1/client/user-authenticators/passkey': return routes.register;
    case '/v1/client/user-authenticators/passkey/authentication-options': return routes.authenticationOptions;
    case '/v1/client/verify/passkey': return routes.verify;
    default: return null;
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'too_large', 'body too large'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res, status, object, origin) {
  const text = JSON.stringify(object);
  // The browser SDK's requests are cross-origin, as they are to Sesame.
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text),
                          'Access-Control-Allow-Origin': origin });
  res.end(text);
}

async function handle(req, res, origin) {
  try {
    const url = new URL(req.url, origin);
    const handler = route(req.method, url.pathname);
    if (!handler)
      throw new HttpError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
    const text = await readBody(req);
    let body;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new HttpError(400, 'invalid_request', 'body is not JSON');
    }
    reply(res, 200, await handler(req, body, origin), origin);
  } catch (error) {
    if (error instanceof HttpError)
      reply(res, error.status, { error: error.code, errorDescription: error.message }, origin);
    else {
      if (process.env.SESAME_REFERENCE_DEBUG)
        console.error(error);
      reply(res, 400, { error: 'invalid_credential', errorDescription: String(error?.message ?? error) },
            origin);
    }
  }
}

const args = parseArgs(process.argv.slice(2));
let origin;
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => handle(req, res, origin));
server.listen(args.port, '127.0.0.1', () => {
  const { port } = server.address();
  origin = `http://localhost:${port}`;
  process.stdout.write('Sesame local tenant is running.\n' +
                       `  API base URL: ${origin}/v1\n` +
                       `  Tenant ID:    ${tenantId}\n` +
                       `  Secret key:   ${secretKey}\n` +
                       `  Sample app:   ${origin}/\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
