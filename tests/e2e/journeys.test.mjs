// SPDX-License-Identifier: GPL-3.0-or-later
//
// Every journey of the Acme Bank sample app in real Chromium with a CDP
// virtual authenticator, against a real sesame-server; after each step the
// Server API (Basic secret key) must agree with what the page shows.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  b64ToB64url, describeResponse, launchBrowser, newTab, serverApi, startServer, stopAndCheck,
} from './support/harness.mjs';
import {
  accountUsername, actionsOf, disableConditionalMediation, isSignedIn, me, openApp, passkeyIds,
  signUpThroughApp, statusText, waitFor, waitSignedIn,
} from './support/app.mjs';

let server;
let browser;
let api;
const tabs = [];

// State carried from one journey to the next.
let journeyTab;          // the signed-in page of the sign-up journey
let userId;
let firstPasskeyId;
let credentialA;         // the first passkey's private key, exported from its authenticator
const signInActions = [];

before(async () => {
  server = await startServer();
  api = serverApi(server);
  browser = await launchBrowser();
});

after(async () => {
  for (const tab of tabs)
    await tab.close();
  await browser?.close();
  await server?.stop();
});

async function openTab (options) {
  const tab = await newTab(browser, options);
  tabs.push(tab);
  return tab;
}

async function getJson (route, what) {
  const r = await api('GET', route);
  assert.equal(r.status, 200, `${what}: GET /v1${route} → ${describeResponse(r)}`);
  return r.json;
}

const userPath = () => `/users/${encodeURIComponent(userId)}`;

test('the app serves its config without the secret', { timeout: 20000 }, async () => {
  const r = await fetch(server.appUrl + 'api/config');
  const text = await r.text();
  assert.equal(r.status, 200, `GET /api/config → ${r.status} ${text}`);
  const config = JSON.parse(text);
  assert.equal(config.tenantId, server.tenantId, '/api/config tenantId');
  assert.equal(config.baseUrl, server.baseUrl, '/api/config baseUrl');
  assert.ok(!text.includes(server.secretKey), '/api/config must not carry the secret key');

  const signedOut = await fetch(server.appUrl + 'api/me');
  assert.equal(signedOut.status, 401, 'GET /api/me without a session');
});

test('create an account with a username and a passkey', { timeout: 60000 }, async () => {
  const tab = await openTab({ initScripts: [disableConditionalMediation] });
  const authenticator = await tab.addAuthenticator();
  await openApp(tab, server.appUrl);
  assert.equal(await isSignedIn(tab.page), false, 'a new visitor is signed out');

  const session = await signUpThroughApp(tab, 'alice');
  userId = session.userId;
  assert.ok(typeof userId === 'string' && userId.length > 0, `/api/me userId: ${JSON.stringify(session)}`);
  assert.equal(session.username, 'alice');
  assert.equal(await accountUsername(tab.page), 'alice', '#account-username');

  const ids = await passkeyIds(tab.page);
  assert.equal(ids.length, 1, `#passkey-list after sign-up: ${JSON.stringify(ids)}`);
  firstPasskeyId = ids[0];
  assert.ok(firstPasskeyId, 'li[data-id] carries the passkey id');
  assert.ok(Array.isArray(session.passkeys) && session.passkeys.length === 1,
            `/api/me passkeys: ${JSON.stringify(session.passkeys)}`);

  const held = await tab.credentials(authenticator);
  assert.equal(held.length, 1, 'the authenticator holds one passkey');
  assert.equal(held[0].rpId, 'localhost');
  assert.equal(held[0].isResidentCredential, true, 'the app asks for a discoverable credential');

  // The tenant agrees.
  const user = await getJson(userPath(), 'the new user');
  assert.equal(user.isEnrolled, true, `getUser: ${JSON.stringify(user)}`);
  assert.equal(user.username, 'alice', `getUser: ${JSON.stringify(user)}`);

  const authenticators = await getJson(`${userPath()}/authenticators`, 'the new user\'s passkeys');
  assert.equal(authenticators.length, 1, `authenticators: ${JSON.stringify(authenticators)}`);
  const [a] = authenticators;
  assert.equal(a.userAuthenticatorId, firstPasskeyId, 'the page lists the tenant\'s passkey id');
  assert.equal(a.verificationMethod, 'PASSKEY');
  assert.equal(a.userId, userId);
  assert.equal(a.webauthnCredential?.credentialId, b64ToB64url(held[0].credentialId),
               'webauthnCredential.credentialId is the authenticator\'s credential id (base64url)');

  const actions = await getJson(`${userPath()}/actions`, 'the new user\'s actions');
  const add = actionsOf(actions, 'addPasskey');
  assert.equal(add.length, 1, `one addPasskey action: ${JSON.stringify(actions)}`);
  assert.equal(add[0].state, 'CHALLENGE_SUCCEEDED', `addPasskey: ${JSON.stringify(add[0])}`);
  assert.equal(add[0].verificationMethod, 'PASSKEY', `addPasskey: ${JSON.stringify(add[0])}`);

  // The username is taken now (the backend wants its own Origin: CSRF).
  const again = await fetch(server.appUrl + 'api/signup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.origin },
    body: JSON.stringify({ username: 'alice' }),
  });
  assert.equal(again.status, 409, 'POST /api/signup with a taken username');
  await again.arrayBuffer();

  tab.authenticator = authenticator;
  journeyTab = tab;
});

test('the signed-in page adds another passkey and removes one', { timeout: 60000 }, async () => {
  const tab = journeyTab;
  assert.ok(tab, 'needs the account from the sign-up journey');

  // A second device: the first authenticator goes away (its key is kept for
  // the sign-in journeys), a new one makes the second passkey.
  [credentialA] = await tab.credentials(tab.authenticator);
  await tab.removeAuthenticator(tab.authenticator);
  const second = await tab.addAuthenticator();

  await tab.focus();
  await tab.page.click('#add-passkey-button');
  const ids = await waitFor(tab, 'two passkeys in #passkey-list', async () => {
    const now = await passkeyIds(tab.page);
    return now.length === 2 ? now : null;
  }, 15000);
  const secondPasskeyId = ids.find((id) => id !== firstPasskeyId);
  assert.ok(ids.includes(firstPasskeyId) && secondPasskeyId, `#passkey-list: ${JSON.stringify(ids)}`);
  assert.equal((await tab.credentials(second)).length, 1, 'the second authenticator made a passkey');

  let listed = await getJson(`${userPath()}/authenticators`, 'after adding');
  assert.deepEqual(listed.map((a) => a.userAuthenticatorId).sort(), [...ids].sort(),
                   'the tenant lists the same two passkeys as the page');
  const adds = actionsOf(await getJson(`${userPath()}/actions`, 'after adding'), 'addPasskey');
  assert.equal(adds.length, 2, `two addPasskey actions: ${JSON.stringify(adds)}`);
  assert.ok(adds.every((a) => a.state === 'CHALLENGE_SUCCEEDED' && a.verificationMethod === 'PASSKEY'),
            `both addPasskey actions succeeded with PASSKEY: ${JSON.stringify(adds)}`);

  // Remove the second one.
  await tab.page.click(`#passkey-list li[data-id="${secondPasskeyId}"] .remove-passkey-button`);
  await waitFor(tab, 'one passkey left in #passkey-list', async () => {
    const now = await passkeyIds(tab.page);
    return now.length === 1 && now[0] === firstPasskeyId;
  }, 15000);
  listed = await getJson(`${userPath()}/authenticators`, 'after removing');
  assert.deepEqual(listed.map((a) => a.userAuthenticatorId), [firstPasskeyId],
                   'the tenant no longer lists the removed passkey');

  const session = await me(tab.page);
  assert.equal(session.status, 200);
  assert.deepEqual(session.json.passkeys.map((p) => p.id ?? p.userAuthenticatorId), [firstPasskeyId],
                   `/api/me passkeys after removing: ${JSON.stringify(session.json.passkeys)}`);

  await tab.removeAuthenticator(second);
});

test('sign out', { timeout: 30000 }, async () => {
  const tab = journeyTab;
  assert.ok(tab, 'needs the signed-in page');
  await tab.page.click('#signout-button');
  await tab.page.locator('#account').waitFor({ state: 'hidden', timeout: 10000 });
  await tab.page.locator('#signin-button').waitFor({ state: 'visible', timeout: 10000 });
  assert.equal((await me(tab.page)).status, 401, '/api/me after signing out');

  await tab.page.reload();
  await tab.page.locator('#signin-button').waitFor({ state: 'visible', timeout: 10000 });
  assert.equal(await isSignedIn(tab.page), false, 'still signed out after a reload');
  const cookies = await tab.context.cookies();
  assert.ok(!cookies.some((c) => c.name === 'acme_session' && c.value !== ''),
            `no acme_session cookie left: ${JSON.stringify(cookies.map((c) => c.name))}`);
});

async function newSignInActions (before) {
  const actions = await getJson(`${userPath()}/actions`, 'after signing in');
  return actions.filter((a) => a.actionCode !== 'addPasskey' &&
                               !before.some((b) => b.idempotencyKey === a.idempotencyKey));
}

test('sign in with the passkey button', { timeout: 60000 }, async () => {
  assert.ok(credentialA, 'needs the passkey from the sign-up journey');
  const tab = await openTab({ initScripts: [disableConditionalMediation] });
  const authenticator = await tab.addAuthenticator();
  await tab.importCredential(authenticator, credentialA);
  await openApp(tab, server.appUrl);
  assert.equal(await isSignedIn(tab.page), false, 'a fresh browser is signed out');

  await tab.focus();
  await tab.page.click('#signin-button');
  await waitSignedIn(tab);
  assert.equal(await accountUsername(tab.page), 'alice');
  assert.deepEqual(await passkeyIds(tab.page), [firstPasskeyId]);
  assert.notEqual(await statusText(tab.page), '', '#status tells the outcome');

  const calls = await tab.webauthnCalls();
  const gets = calls.filter((c) => c.kind === 'get');
  assert.equal(gets.length, 1, `one credentials.get: ${JSON.stringify(calls)}`);
  assert.equal(gets[0].mediation, null, 'the button makes a modal request');
  assert.equal(gets[0].outcome, 'resolved');

  const session = await me(tab.page);
  assert.equal(session.status, 200);
  assert.equal(session.json.userId, userId);

  const fresh = await newSignInActions([]);
  assert.equal(fresh.length, 1, `one sign-in action: ${JSON.stringify(fresh)}`);
  assert.equal(fresh[0].state, 'CHALLENGE_SUCCEEDED', JSON.stringify(fresh[0]));
  assert.equal(fresh[0].verificationMethod, 'PASSKEY', JSON.stringify(fresh[0]));
  signInActions.push(fresh[0]);

  [credentialA] = await tab.credentials(authenticator);   // its sign count went up
  await tab.close();
});

test('sign in through autofill on the username field', { timeout: 60000 }, async () => {
  assert.ok(credentialA, 'needs the passkey from the sign-up journey');
  const tab = await openTab();
  const authenticator = await tab.addAuthenticator();
  await tab.importCredential(authenticator, credentialA);

  const response = await tab.page.goto(server.appUrl);
  assert.equal(response.status(), 200);
  const autocomplete = await tab.page.getAttribute('#autofill-username', 'autocomplete');
  const tokens = (autocomplete || '').trim().toLowerCase().split(/\s+/);
  assert.equal(tokens[tokens.length - 1], 'webauthn',
               `#autofill-username autocomplete ends in webauthn: ${JSON.stringify(autocomplete)}`);
  assert.ok(tokens.includes('username'), `autocomplete has username: ${JSON.stringify(autocomplete)}`);
  await tab.page.focus('#autofill-username').catch(() => {});

  // No click: the page's conditional request completes when the (virtual)
  // user picks the passkey, which headless Chromium does by itself.
  await waitSignedIn(tab);
  assert.equal(await accountUsername(tab.page), 'alice');

  const calls = await tab.webauthnCalls();
  const gets = calls.filter((c) => c.kind === 'get');
  assert.ok(gets.length >= 1 && gets.every((c) => c.mediation === 'conditional'),
            `only conditional requests were made: ${JSON.stringify(calls)}`);
  assert.ok(gets.some((c) => c.outcome === 'resolved'), JSON.stringify(calls));

  const session = await me(tab.page);
  assert.equal(session.status, 200);
  assert.equal(session.json.userId, userId);

  const fresh = await newSignInActions(signInActions);
  assert.equal(fresh.length, 1, `one more sign-in action: ${JSON.stringify(fresh)}`);
  assert.equal(fresh[0].state, 'CHALLENGE_SUCCEEDED', JSON.stringify(fresh[0]));
  assert.equal(fresh[0].verificationMethod, 'PASSKEY', JSON.stringify(fresh[0]));
  await tab.close();
});

test('a signed-out page whose authenticator has no passkey does not flood the tenant',
     { timeout: 30000 }, async () => {
  // Headless Chromium rejects a conditional request at once (NotAllowedError)
  // when the authenticator has no matching passkey. The page may offer
  // autofill again, but not in a tight loop: every attempt makes the tenant
  // store a new challenge.
  const tab = await openTab();
  await tab.addAuthenticator();
  let optionsRequests = 0;
  tab.page.on('request', (r) => {
    if (r.url().includes('/client/user-authenticators/passkey/authentication-options'))
      optionsRequests++;
  });
  await openApp(tab, server.appUrl);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const calls = await tab.webauthnCalls();
  assert.ok(optionsRequests <= 5,
            `${optionsRequests} authentication-options requests and ${calls.length} ` +
            `credentials.get calls in 2 s from one idle page; #status: ` +
            `${JSON.stringify(await statusText(tab.page))}`);
  await tab.close();
});

test('the server logged no criticals and shuts down cleanly on SIGTERM', { timeout: 30000 }, async () => {
  for (const tab of tabs.splice(0))
    await tab.close();
  await stopAndCheck(server);
});
