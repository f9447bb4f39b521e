// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the tenant must refuse, driven through the sample app in real
// Chromium: a bogus signature, a page on an origin that is not expected, a
// sign count going backwards (a cloned authenticator), and a missing user
// verification when the tenant requires it. Each refusal must show in the
// page, leave no session, keep the passkey (it is known: never
// unknown_credential), and be recorded as CHALLENGE_FAILED.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import {
  SERVER, describeResponse, launchBrowser, newTab, serverApi, startForeignOriginProxy, startServer,
  stopAndCheck,
} from './support/harness.mjs';
import {
  clickAndCapture, disableConditionalMediation, isSignedIn, me, openApp, passkeyIds,
  signUpThroughApp, statusText, waitFor, waitSignedIn,
} from './support/app.mjs';

const VERIFY = '/client/verify/passkey';
const ADD = '/client/user-authenticators/passkey';

let server;
let browser;
let api;
let proxy;
let bob;              // {userId, passkeyId, credential}
const tabs = [];
const servers = [];

async function openTab () {
  const tab = await newTab(browser, { initScripts: [disableConditionalMediation] });
  tabs.push(tab);
  return tab;
}

async function closeTab (tab) {
  tabs.splice(tabs.indexOf(tab), 1);
  await tab.close();
}

before(async () => {
  server = await startServer();
  servers.push(server);
  api = serverApi(server);
  browser = await launchBrowser();

  const tab = await openTab();
  const authenticator = await tab.addAuthenticator();
  await openApp(tab, server.appUrl);
  const session = await signUpThroughApp(tab, 'bob');
  const [credential] = await tab.credentials(authenticator);
  bob = { userId: session.userId, passkeyId: (await passkeyIds(tab.page))[0], credential };
  await closeTab(tab);
});

after(async () => {
  for (const tab of tabs.splice(0))
    await tab.close();
  await proxy?.close();
  await browser?.close();
  for (const s of servers)
    await s.stop();
});

async function getJson (serverApiFn, route) {
  const r = await serverApiFn('GET', route);
  assert.equal(r.status, 200, `GET /v1${route} → ${describeResponse(r)}`);
  return r.json;
}

async function actionKeys (apiFn, userId) {
  const list = await getJson(apiFn, `/users/${encodeURIComponent(userId)}/actions`);
  return new Set(list.map((a) => a.idempotencyKey));
}

/**
 * The common checks of a refusal. `reply` is the tenant's reply to the
 * verify (or add-passkey) call the page made; `code` the webauthnError.
 */
async function assertRefused (tab, { apiFn, userId, reply, code, knownBefore, passkeys }) {
  const json = reply.json;
  assert.ok(json && typeof json === 'object', `the tenant's reply is JSON: ${JSON.stringify(reply)}`);
  assert.ok(reply.status >= 400 && reply.status < 500, `a 4xx status: ${JSON.stringify(reply)}`);
  assert.equal(json.error, 'invalid_credential', `error: ${JSON.stringify(json)}`);
  assert.equal(json.errorCode, 'invalid_credential', `errorCode: ${JSON.stringify(json)}`);
  assert.equal(json.webauthnError, code, `webauthnError: ${JSON.stringify(json)}`);
  assert.ok(typeof json.errorDescription === 'string' && json.errorDescription.length > 0,
            `errorDescription: ${JSON.stringify(json)}`);
  assert.ok(!('accessToken' in json), 'no token with a refusal');

  // The page shows the error, and is not signed in.
  const shown = await waitFor(tab, `#status to show the refusal (${code})`, async () => {
    const text = await statusText(tab.page);
    return [json.errorDescription, code].some((s) => text.includes(s)) ? text : null;
  }, 10000);
  assert.ok(shown);
  if (process.env.SESAME_TEST_VERBOSE)
    console.log(`${code}: HTTP ${reply.status} ${JSON.stringify(json)}; #status: ${shown}`);
  assert.equal(await isSignedIn(tab.page), false, 'the signed-in view must not show');
  const session = await me(tab.page);
  assert.equal(session.status, 401, `/api/me after the refusal: ${JSON.stringify(session)}`);
  const cookies = await tab.context.cookies();
  assert.ok(!cookies.some((c) => c.name === 'acme_session'),
            `no session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);

  // The tenant's state: the passkeys are untouched, the attempt failed.
  const listed = await getJson(apiFn, `/users/${encodeURIComponent(userId)}/authenticators`);
  assert.deepEqual(listed.map((a) => a.userAuthenticatorId).sort(), [...passkeys].sort(),
                   'the user\'s passkeys are unchanged');
  const actions = await getJson(apiFn, `/users/${encodeURIComponent(userId)}/actions`);
  const fresh = actions.filter((a) => !knownBefore.has(a.idempotencyKey));
  assert.ok(fresh.some((a) => a.state === 'CHALLENGE_FAILED'),
            `a CHALLENGE_FAILED action was recorded for the user: ${JSON.stringify(fresh)}`);
  assert.ok(!fresh.some((a) => a.state === 'CHALLENGE_SUCCEEDED'),
            `nothing succeeded: ${JSON.stringify(fresh)}`);
}

/** Opens `url` with `credential` in a fresh authenticator and clicks the sign-in button. */
async function buttonSignIn ({ url, credential, authenticatorOptions = {}, overrides = null }) {
  const tab = await openTab();
  const authenticator = await tab.addAuthenticator(authenticatorOptions);
  await tab.importCredential(authenticator, credential);
  if (overrides)
    await tab.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: authenticator, ...overrides });
  await openApp(tab, url);
  const reply = await clickAndCapture(tab, '#signin-button', VERIFY);
  return { tab, authenticator, reply };
}

test('a bogus signature is refused', { timeout: 60000 }, async () => {
  const knownBefore = await actionKeys(api, bob.userId);
  const { tab, reply } = await buttonSignIn({
    url: server.appUrl, credential: bob.credential, overrides: { isBogusSignature: true },
  });
  await assertRefused(tab, {
    apiFn: api, userId: bob.userId, reply, code: 'signature_invalid', knownBefore,
    passkeys: [bob.passkeyId],
  });
  await closeTab(tab);
});

test('a page on an origin that is not expected is refused by the tenant', { timeout: 60000 }, async () => {
  // The same app through a proxy on http://localhost:<other port>: the RP ID
  // still matches (so Chromium runs the ceremony), the origin in
  // clientDataJSON does not.
  proxy = await startForeignOriginProxy(server);
  const knownBefore = await actionKeys(api, bob.userId);
  const { tab, reply } = await buttonSignIn({ url: proxy.origin + '/', credential: bob.credential });
  const clientData = await tab.page.evaluate(() => location.origin);
  assert.equal(clientData, proxy.origin);
  await assertRefused(tab, {
    apiFn: api, userId: bob.userId, reply, code: 'origin_mismatch', knownBefore,
    passkeys: [bob.passkeyId],
  });
  assert.ok(reply.json.errorDescription.includes(proxy.origin),
            `the description names the refused origin: ${reply.json.errorDescription}`);
  await closeTab(tab);

  // http://127.0.0.1:PORT is another origin too (and not under the RP ID):
  // nothing may sign in from there either.
  const direct = await openTab();
  const authenticator = await direct.addAuthenticator();
  await direct.importCredential(authenticator, bob.credential);
  await openApp(direct, `http://127.0.0.1:${server.port}/`);
  const before = await actionKeys(api, bob.userId);
  await direct.focus();
  await direct.page.click('#signin-button');
  const shown = await waitFor(direct, '#status to report a failure', async () => {
    const text = await statusText(direct.page);
    return text !== '' && !/waiting/i.test(text) ? text : null;
  }, 10000);
  if (process.env.SESAME_TEST_VERBOSE)
    console.log(`http://127.0.0.1:${server.port}/: #status: ${shown}`);
  assert.equal(await isSignedIn(direct.page), false, 'not signed in from 127.0.0.1');
  assert.equal((await me(direct.page)).status, 401);
  const fresh = (await getJson(api, `/users/${encodeURIComponent(bob.userId)}/actions`))
    .filter((a) => !before.has(a.idempotencyKey));
  assert.ok(!fresh.some((a) => a.state === 'CHALLENGE_SUCCEEDED'), JSON.stringify(fresh));
  await closeTab(direct);
});

test('a sign count going backwards is refused', { timeout: 60000 }, async () => {
  // The passkey as it is now, then one good sign-in: the tenant stores the
  // higher count. Importing the old key again is a cloned authenticator.
  const older = { ...bob.credential };
  const good = await buttonSignIn({ url: server.appUrl, credential: bob.credential });
  assert.ok(good.reply.json && good.reply.json.isVerified === true,
            `the first sign-in works: ${JSON.stringify(good.reply)}`);
  await waitSignedIn(good.tab);
  const [advanced] = await good.tab.credentials(good.authenticator);
  assert.ok(advanced.signCount > older.signCount, 'the authenticator counted the sign-in');
  await closeTab(good.tab);

  const knownBefore = await actionKeys(api, bob.userId);
  const { tab, reply } = await buttonSignIn({ url: server.appUrl, credential: older });
  await assertRefused(tab, {
    apiFn: api, userId: bob.userId, reply, code: 'sign_count_regression', knownBefore,
    passkeys: [bob.passkeyId],
  });
  await closeTab(tab);
  bob.credential = advanced;
});

// The brief's command line has no user-verification setting; look for one.
function userVerificationFlag () {
  const help = spawnSync(SERVER, ['--help'], { encoding: 'utf8', timeout: 10000 });
  const text = `${help.stdout}\n${help.stderr}`;
  for (const flag of ['--user-verification', '--require-user-verification', '--require-uv', '--uv']) {
    const m = new RegExp(`(${flag.replace(/-/g, '\\-')})(?![\\w-])(=\\S+|\\s+[A-Z]+)?`).exec(text);
    if (m)
      return m[2] ? [`${flag}=required`] : [flag];
  }
  return null;
}

test('user verification required but not given is refused', { timeout: 90000 }, async (t) => {
  const flag = userVerificationFlag();
  if (!flag) {
    t.skip('sesame-server offers no way to make the tenant require user verification ' +
           '(no such option in --help, and the Server API has no tenant settings)');
    return;
  }
  const strict = await startServer({ args: flag });
  servers.push(strict);
  const strictApi = serverApi(strict);

  // The tenant asks for UV in its request options.
  const options = await fetch(`${strict.baseUrl}/client/user-authenticators/passkey/authentication-options`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Basic ' + Buffer.from(strict.tenantId).toString('base64'),
    },
    body: '{}',
  }).then((r) => r.json());
  assert.equal(options.options?.userVerification, 'required',
               `authentication options with ${flag}: ${JSON.stringify(options)}`);

  const setup = await openTab();
  const uvAuthenticator = await setup.addAuthenticator();
  await openApp(setup, strict.appUrl);
  const carol = await signUpThroughApp(setup, 'carol');
  const [credential] = await setup.credentials(uvAuthenticator);
  const passkeyId = (await passkeyIds(setup.page))[0];
  const calls = await setup.webauthnCalls();
  assert.equal(calls.find((c) => c.kind === 'create')?.uv, 'required',
               `creation options ask for UV: ${JSON.stringify(calls)}`);
  await closeTab(setup);

  // An authenticator that returns UV=0 although asked: the tenant refuses.
  let knownBefore = await actionKeys(strictApi, carol.userId);
  const badUv = await buttonSignIn({ url: strict.appUrl, credential, overrides: { isBadUV: true } });
  await assertRefused(badUv.tab, {
    apiFn: strictApi, userId: carol.userId, reply: badUv.reply, code: 'user_not_verified',
    knownBefore, passkeys: [passkeyId],
  });
  await closeTab(badUv.tab);

  // An authenticator that cannot verify the user (isUserVerified: false):
  // nothing signs in (Chromium itself refuses such an assertion).
  knownBefore = await actionKeys(strictApi, carol.userId);
  const tab = await openTab();
  const noUv = await tab.addAuthenticator({ isUserVerified: false });
  await tab.importCredential(noUv, credential);
  await openApp(tab, strict.appUrl);
  await tab.focus();
  await tab.page.click('#signin-button');
  await waitFor(tab, '#status to report a failure', async () => {
    const text = await statusText(tab.page);
    return text !== '' && !/waiting/i.test(text);
  }, 15000);
  assert.equal(await isSignedIn(tab.page), false);
  assert.equal((await me(tab.page)).status, 401);
  const fresh = (await getJson(strictApi, `/users/${encodeURIComponent(carol.userId)}/actions`))
    .filter((a) => !knownBefore.has(a.idempotencyKey));
  assert.ok(!fresh.some((a) => a.state === 'CHALLENGE_SUCCEEDED'), JSON.stringify(fresh));
  await closeTab(tab);

  // Registration without UV is refused as well, and stores nothing.
  const reg = await openTab();
  const regAuthenticator = await reg.addAuthenticator();
  await reg.cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: regAuthenticator, isBadUV: true });
  await openApp(reg, strict.appUrl);
  await reg.page.fill('#signup-username', 'dave');
  const reply = await clickAndCapture(reg, '#signup-button', ADD);
  assert.equal(reply.json?.errorCode, 'invalid_credential', JSON.stringify(reply));
  assert.equal(reply.json?.webauthnError, 'user_not_verified', JSON.stringify(reply));
  await waitFor(reg, '#status to show the refusal', async () => {
    const text = await statusText(reg.page);
    return text.includes(reply.json.errorDescription) || text.includes('user_not_verified');
  });
  assert.equal(await isSignedIn(reg.page), false);
  assert.equal((await me(reg.page)).status, 401);
  await closeTab(reg);
});

test('every server logged no criticals and shuts down cleanly on SIGTERM', { timeout: 30000 }, async () => {
  for (const tab of tabs.splice(0))
    await tab.close();
  for (const s of servers.splice(0))
    await stopAndCheck(s);
});
