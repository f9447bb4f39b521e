// SPDX-License-Identifier: GPL-3.0-or-later
//
// The real Authsignal SDKs from npm against sesame-server, unchanged:
// @authsignal/browser@1.16.0 in Chromium (a page of our own on another
// localhost origin, which the tenant lists as expected) and
// @authsignal/node@2.21.0 in Node as the integrator's backend.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import {
  b64ToB64url, launchBrowser, listen, newTab, nodeModulesPath, startServer, stopAndCheck,
} from '../e2e/support/harness.mjs';

const { Authsignal: AuthsignalServer } = await import('@authsignal/node');

const SDK_FILE = nodeModulesPath('@authsignal', 'browser', 'dist', 'index.js');
const SDK_URL = '/node_modules/@authsignal/browser/dist/index.js';

// 1.16.0's dist is one self-contained ES module (simplewebauthn is bundled):
// no bare import specifiers, so the page needs no import map. Say so loudly
// if a new version changes that.
const sdkSource = fs.readFileSync(SDK_FILE, 'utf8');
const bareImport = /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"./][^'"]*)['"]|^\s*import\s*['"]([^'"./][^'"]*)['"]/m
  .exec(sdkSource);
if (bareImport)
  throw new Error(`@authsignal/browser imports "${bareImport[1] || bareImport[2]}": the test page needs an import map`);

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authsignal SDK compatibility</title></head>
<body>
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username webauthn">
<script type="module">
import { Authsignal } from "${SDK_URL}";
window.AuthsignalSdk = Authsignal;
document.body.dataset.ready = "true";
</script>
</body></html>`;

let site;
let server;
let browser;
let tab;
let authenticator;
let authsignal;
const userId = `compat+${Math.random().toString(16).slice(2, 10)}@example.com`;
let enrolled;     // {userAuthenticatorId, credentialId}

before(async () => {
  site = await listen((req, res) => {
    const url = req.url.split('?')[0];
    if (url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(PAGE);
    } else if (url === SDK_URL) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(sdkSource);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  server = await startServer({ args: ['--origin', site.origin] });
  authsignal = new AuthsignalServer({ apiSecretKey: server.secretKey, apiUrl: server.baseUrl });
  browser = await launchBrowser();
  tab = await newTab(browser);
  authenticator = await tab.addAuthenticator();
  await openPage();
});

after(async () => {
  await tab?.close();
  await browser?.close();
  await server?.stop();
  await site?.close();
});

async function openPage () {
  const response = await tab.page.goto(site.origin + '/');
  assert.equal(response.status(), 200);
  await tab.page.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
}

/** Calls `new Authsignal({tenantId, baseUrl}).passkey[method](args)` in the page. */
async function passkey (method, args) {
  await tab.focus();
  return tab.page.evaluate(async ({ tenantId, baseUrl, method, args }) => {
    const sdk = new window.AuthsignalSdk({ tenantId, baseUrl });
    try {
      return { result: await sdk.passkey[method](args) };
    } catch (e) {
      return { thrown: `${e && e.name}: ${e && e.message}`, code: e && e.code };
    }
  }, { tenantId: server.tenantId, baseUrl: server.baseUrl, method, args });
}

function expectData (outcome, what) {
  assert.ok(!outcome.thrown, `${what} threw ${outcome.thrown} (${outcome.code})`);
  assert.ok(outcome.result && outcome.result.data && !outcome.result.error,
            `${what} returned ${JSON.stringify(outcome.result)}`);
  return outcome.result.data;
}

async function expectValid (token, { action, idempotencyKey } = {}) {
  const v = await authsignal.validateChallenge(action ? { token, action } : { token });
  assert.equal(v.isValid, true, `validateChallenge: ${JSON.stringify(v)}`);
  assert.equal(v.state, 'CHALLENGE_SUCCEEDED', `validateChallenge: ${JSON.stringify(v)}`);
  assert.equal(v.userId, userId, `validateChallenge userId: ${JSON.stringify(v)}`);
  assert.equal(v.verificationMethod, 'PASSKEY', `validateChallenge: ${JSON.stringify(v)}`);
  if (action)
    assert.equal(v.action, action, `validateChallenge action: ${JSON.stringify(v)}`);
  if (idempotencyKey)
    assert.equal(v.idempotencyKey, idempotencyKey, `validateChallenge: ${JSON.stringify(v)}`);
  assert.ok(typeof v.idempotencyKey === 'string' && v.idempotencyKey, JSON.stringify(v));
  return v;
}

test('enrollment with a tracked token', { timeout: 60000 }, async () => {
  const tracked = await authsignal.track({
    userId, action: 'enrollPasskey', attributes: { username: 'carol' },
  });
  assert.equal(typeof tracked.token, 'string', `track: ${JSON.stringify(tracked)}`);
  assert.ok(tracked.token.length > 20, `track token: ${JSON.stringify(tracked)}`);
  assert.equal(typeof tracked.idempotencyKey, 'string', `track: ${JSON.stringify(tracked)}`);
  assert.equal(tracked.isEnrolled, false, `track: a new user is not enrolled: ${JSON.stringify(tracked)}`);

  // Not completed yet: 200 with isValid false.
  const early = await authsignal.validateChallenge({ token: tracked.token });
  assert.equal(early.isValid, false, `validate before the passkey: ${JSON.stringify(early)}`);
  assert.notEqual(early.state, 'CHALLENGE_SUCCEEDED', JSON.stringify(early));

  const data = expectData(await passkey('signUp', { token: tracked.token, username: 'carol' }), 'signUp');
  assert.equal(typeof data.token, 'string', `signUp data: ${JSON.stringify(data)}`);
  const credentialId = data.registrationResponse?.id;
  assert.ok(credentialId, JSON.stringify(data));
  const ua = data.userAuthenticator;
  assert.ok(ua && typeof ua.userAuthenticatorId === 'string', `userAuthenticator: ${JSON.stringify(ua)}`);
  assert.equal(ua.verificationMethod, 'PASSKEY', `userAuthenticator: ${JSON.stringify(ua)}`);
  assert.equal(ua.webauthnCredential?.credentialId, credentialId, `userAuthenticator: ${JSON.stringify(ua)}`);
  enrolled = { userAuthenticatorId: ua.userAuthenticatorId, credentialId };

  const held = await tab.credentials(authenticator);
  assert.deepEqual(held.map((c) => b64ToB64url(c.credentialId)), [credentialId]);

  // The SDK keyed its passkey map by the userId the tenant returned.
  const map = JSON.parse(await tab.page.evaluate(() => localStorage.getItem('as_user_passkey_map')) || '{}');
  assert.deepEqual(map[userId], [credentialId], `as_user_passkey_map: ${JSON.stringify(map)}`);

  await expectValid(data.token, { action: 'enrollPasskey', idempotencyKey: tracked.idempotencyKey });
  const after = await authsignal.validateChallenge({ token: tracked.token });
  assert.equal(after.state, 'CHALLENGE_SUCCEEDED', `the tracked action completed: ${JSON.stringify(after)}`);

  const list = await authsignal.getAuthenticators({ userId });
  assert.equal(list.length, 1, `getAuthenticators: ${JSON.stringify(list)}`);
  assert.equal(list[0].userAuthenticatorId, enrolled.userAuthenticatorId);
  assert.equal(list[0].verificationMethod, 'PASSKEY');
  assert.equal(list[0].userId, userId);
  assert.equal(list[0].webauthnCredential?.credentialId, credentialId);

  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, true, `getUser: ${JSON.stringify(user)}`);

  // The existence check (C6) the SDK runs from that map.
  const available = await passkey('isAvailableOnDevice', { userId });
  assert.equal(available.result, true, `isAvailableOnDevice: ${JSON.stringify(available)}`);
});

test('sign-in with an action', { timeout: 60000 }, async () => {
  assert.ok(enrolled, 'needs the enrolled passkey');
  const data = expectData(await passkey('signIn', { action: 'approveTransfer' }), 'signIn({action})');
  assert.equal(data.isVerified, true, JSON.stringify(data));
  assert.equal(data.userId, userId, JSON.stringify(data));
  assert.equal(data.userAuthenticatorId, enrolled.userAuthenticatorId, JSON.stringify(data));
  assert.equal(data.username, 'carol', JSON.stringify(data));
  assert.equal(typeof data.token, 'string', JSON.stringify(data));

  const v = await expectValid(data.token, { action: 'approveTransfer' });
  const action = await authsignal.getAction({
    userId, action: 'approveTransfer', idempotencyKey: v.idempotencyKey,
  });
  assert.equal(action.state, 'CHALLENGE_SUCCEEDED', `getAction: ${JSON.stringify(action)}`);
  assert.equal(action.verificationMethod, 'PASSKEY', `getAction: ${JSON.stringify(action)}`);

  // A token validated for another action is not valid for this one.
  const wrong = await authsignal.validateChallenge({ token: data.token, action: 'somethingElse' })
    .catch((e) => ({ thrown: e }));
  assert.ok(wrong.thrown || wrong.isValid === false,
            `validateChallenge with another action: ${JSON.stringify(wrong)}`);
});

test('sign-in without an action', { timeout: 60000 }, async () => {
  assert.ok(enrolled, 'needs the enrolled passkey');
  const data = expectData(await passkey('signIn', undefined), 'signIn()');
  assert.equal(data.isVerified, true, JSON.stringify(data));
  assert.equal(data.userId, userId, JSON.stringify(data));
  assert.equal(data.userAuthenticatorId, enrolled.userAuthenticatorId, JSON.stringify(data));
  assert.equal(data.username, 'carol', JSON.stringify(data));
  await expectValid(data.token, { action: 'signInWithPasskey' });
});

test('sign-in with autofill', { timeout: 60000 }, async () => {
  assert.ok(enrolled, 'needs the enrolled passkey');
  await openPage();          // a fresh SDK module
  const data = expectData(await passkey('signIn', { autofill: true }), 'signIn({autofill:true})');
  const calls = await tab.webauthnCalls();
  assert.deepEqual(calls.filter((c) => c.kind === 'get').map((c) => c.mediation), ['conditional'],
                   `one conditional get: ${JSON.stringify(calls)}`);
  assert.equal(data.isVerified, true, JSON.stringify(data));
  assert.equal(data.userId, userId, JSON.stringify(data));
  assert.equal(data.userAuthenticatorId, enrolled.userAuthenticatorId, JSON.stringify(data));
  await expectValid(data.token, { action: 'signInWithPasskey' });
});

test('a second passkey needs a token tracked with scope add:authenticators', { timeout: 60000 }, async () => {
  assert.ok(enrolled, 'needs the enrolled passkey');
  // A second device.
  await tab.removeAuthenticator(authenticator);
  authenticator = await tab.addAuthenticator();

  const plain = await authsignal.track({ userId, action: 'addAnother' });
  assert.equal(plain.isEnrolled, true, `track: ${JSON.stringify(plain)}`);
  const refused = await passkey('signUp', { token: plain.token, username: 'carol' });
  assert.ok(!refused.thrown, `signUp threw ${refused.thrown}`);
  assert.ok(refused.result?.error, `refused without the scope: ${JSON.stringify(refused.result)}`);
  assert.equal(refused.result.errorCode, 'forbidden', JSON.stringify(refused.result));
  assert.equal((await authsignal.getAuthenticators({ userId })).length, 1, 'still one passkey');

  const scoped = await authsignal.track({
    userId, action: 'addAnother', attributes: { scope: 'add:authenticators' },
  });
  const data = expectData(await passkey('signUp', { token: scoped.token, username: 'carol' }),
                          'signUp with add:authenticators');
  await expectValid(data.token, { action: 'addAnother', idempotencyKey: scoped.idempotencyKey });

  const list = await authsignal.getAuthenticators({ userId });
  assert.equal(list.length, 2, `getAuthenticators: ${JSON.stringify(list)}`);
  assert.deepEqual(list.map((a) => a.webauthnCredential?.credentialId).sort(),
                   [enrolled.credentialId, data.registrationResponse.id].sort());
  assert.ok(list.every((a) => a.verificationMethod === 'PASSKEY' && a.userId === userId),
            JSON.stringify(list));
});

test('the server logged no criticals and shuts down cleanly on SIGTERM', { timeout: 30000 }, async () => {
  await tab.close();
  tab = null;
  await stopAndCheck(server);
});
