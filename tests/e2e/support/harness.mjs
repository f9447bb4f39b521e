// SPDX-License-Identifier: GPL-3.0-or-later
//
// Shared by the e2e and compat suites: starts a real `sesame-server` on a
// free port with a fresh data directory, launches Debian's Chromium through
// playwright-core, gives each case its own browser context with a CDP
// WebAuthn virtual authenticator, and talks to the Server API.
//
// Runs on Node 18 and later: only APIs that exist there (global fetch,
// node:test, ES modules, no import.meta.dirname).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const SOURCE_ROOT = path.resolve(process.env.SESAME_SOURCE_ROOT ||
                                        path.join(here, '..', '..', '..'));
export const SERVER = process.env.SESAME_SERVER ||
  path.join(SOURCE_ROOT, '_build', 'src', 'tools', 'sesame-server');
export const CHROMIUM = process.env.SESAME_CHROMIUM || '/usr/bin/chromium';

// The flags PLATFORM-NOTES lists for Chromium on this machine kind.
// playwright adds --user-data-dir=<fresh temporary directory> itself (it
// refuses the flag in args): every launch gets a new, empty profile.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------
// Preconditions: fail loudly, never skip.

function requirePreconditions () {
  const missing = ['playwright-core', '@authsignal/browser', '@authsignal/node']
    .filter((name) => !fs.existsSync(path.join(SOURCE_ROOT, 'node_modules', name, 'package.json')));
  if (missing.length > 0) {
    throw new Error(`node_modules is missing ${missing.join(', ')} under ${SOURCE_ROOT}: ` +
                    'run npm ci at the repository root before these tests');
  }
  if (!fs.existsSync(SERVER))
    throw new Error(`sesame-server not found at ${SERVER} (set SESAME_SERVER, or build it)`);
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
}
requirePreconditions();

const { chromium } = await import('playwright-core');

export function nodeModulesPath (...parts) {
  return path.join(SOURCE_ROOT, 'node_modules', ...parts);
}

export function tempDir (prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// sesame-server

const BANNER = [
  /^Sesame local tenant is running\.$/,
  /^ {2}API base URL: (http:\/\/localhost:(\d+)\/v1)$/,
  /^ {2}Tenant ID: {4}(\S+)$/,
  /^ {2}Secret key: {3}(\S+)$/,
  /^ {2}Sample app: {3}(http:\/\/localhost:(\d+)\/)$/,
];

/**
 * Starts `sesame-server --port 0 --data-dir <dir> ...args` (a fresh
 * temporary directory, removed at stop, unless `dataDir` is given) and parses
 * the five lines it prints. Resolves to
 * {baseUrl, tenantId, secretKey, appUrl, port, dataDir, stderr(), stop()}.
 * stop() sends SIGTERM and resolves to {code, signal, stderr}.
 */
export async function startServer ({ args = [], dataDir } = {}) {
  const ownDataDir = !dataDir;
  if (ownDataDir)
    dataDir = tempDir('sesame-e2e-data-');
  const child = spawn(SERVER, ['--port', '0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_DATA_HOME: dataDir, LC_ALL: 'C.UTF-8' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = once(child, 'exit');

  const lines = [];
  const rl = readline.createInterface({ input: child.stdout });
  const banner = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sesame-server printed no banner within 15 s; stdout so far: ` +
                       `${JSON.stringify(lines)}; stderr: ${stderr}`));
    }, 15000);
    rl.on('line', (line) => {
      lines.push(line);
      if (lines.length === BANNER.length) {
        clearTimeout(timer);
        resolve(lines.slice());
      }
    });
    exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`sesame-server exited (code ${code}, signal ${signal}) before its banner; ` +
                       `stdout: ${JSON.stringify(lines)}; stderr: ${stderr}`));
    });
  });

  const match = banner.map((line, i) => BANNER[i].exec(line));
  const bad = match.findIndex((m) => m === null);
  if (bad >= 0) {
    child.kill('SIGKILL');
    throw new Error(`sesame-server banner line ${bad + 1} is ${JSON.stringify(banner[bad])}, ` +
                    `expected to match ${BANNER[bad]}; whole banner: ${JSON.stringify(banner)}`);
  }
  const baseUrl = match[1][1];
  const port = Number(match[1][2]);
  const appUrl = match[4][1];
  if (Number(match[4][2]) !== port)
    throw new Error(`API base URL and sample app URL disagree on the port: ${JSON.stringify(banner)}`);
  if (port === 0 || port === 7878)
    throw new Error(`--port 0 should give a free port, got ${port}`);

  let stopped = null;
  return {
    baseUrl,
    appUrl,
    port,
    origin: `http://localhost:${port}`,
    tenantId: match[2][1],
    secretKey: match[3][1],
    dataDir,
    banner,
    stderr: () => stderr,
    extraStdout: () => lines.slice(BANNER.length),
    async stop () {
      if (!stopped) {
        stopped = (async () => {
          if (child.exitCode === null && child.signalCode === null)
            child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
          const [code, signal] = await exited;
          clearTimeout(timer);
          rl.close();
          if (ownDataDir)
            fs.rmSync(dataDir, { recursive: true, force: true });
          return { code, signal, stderr };
        })();
      }
      return stopped;
    },
  };
}

/**
 * Stops `server` and checks how it ended: SIGTERM must give exit status 0,
 * GLib must not have logged a critical or a warning (a critical is a bug,
 * e.g. a double unref), and the secret key must not appear in the log.
 */
export async function stopAndCheck (server) {
  const { code, signal, stderr } = await server.stop();
  assert.equal(signal, null, `sesame-server died of ${signal}; stderr: ${stderr}`);
  assert.equal(code, 0, `sesame-server exit status after SIGTERM; stderr: ${stderr}`);
  const complaints = stderr.split('\n').filter((l) => /-(CRITICAL|WARNING|ERROR) \*\*/.test(l));
  assert.deepEqual(complaints, [], 'GLib criticals or warnings in the server\'s log');
  assert.ok(!stderr.includes(server.secretKey), 'the secret key appears in the server\'s log');
  assert.deepEqual(server.extraStdout(), [], 'sesame-server printed more than its banner to stdout');
}

// ---------------------------------------------------------------------------
// HTTP helpers

export function basicSecret (secretKey) {
  return 'Basic ' + Buffer.from(`${secretKey}:`).toString('base64');
}

async function jsonRequest (url, { method = 'GET', headers = {}, body } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The Server API, as an integrator's backend sees it (Basic secret key). */
export function serverApi (server) {
  const auth = basicSecret(server.secretKey);
  return (method, route, body) =>
    jsonRequest(server.baseUrl + route, { method, headers: { Authorization: auth }, body });
}

export function describeResponse (r) {
  return `HTTP ${r.status} ${r.text.slice(0, 600)}`;
}

// ---------------------------------------------------------------------------
// Chromium

export async function launchBrowser () {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 30000,
  });
}

export const AUTHENTICATOR = Object.freeze({
  protocol: 'ctap2',
  ctap2Version: 'ctap2_1',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
});

// Records every navigator.credentials.create/get call the page makes
// (mediation, whether it settled, how), so a test can tell a button
// sign-in from an autofill one. Injected through CDP, so the page's CSP does
// not apply to it.
function recordWebauthnCalls () {
  const calls = [];
  Object.defineProperty(window, '__webauthnCalls', { value: calls });
  const wrap = (name) => {
    const original = navigator.credentials[name].bind(navigator.credentials);
    navigator.credentials[name] = (options) => {
      const publicKey = (options && options.publicKey) || {};
      const call = {
        kind: name,
        mediation: options && options.mediation ? String(options.mediation) : null,
        uv: publicKey.userVerification ||
          (publicKey.authenticatorSelection && publicKey.authenticatorSelection.userVerification) ||
          null,
        outcome: 'pending',
      };
      calls.push(call);
      const promise = original(options);
      promise.then(() => { call.outcome = 'resolved'; },
                   (e) => { call.outcome = 'rejected:' + (e && e.name); });
      return promise;
    };
  };
  if (window.isSecureContext && navigator.credentials) {
    wrap('create');
    wrap('get');
  }
}

/**
 * A fresh browser context (its own cookies and storage) with one page and a
 * CDP session on it that has WebAuthn enabled. Returns helpers to add,
 * remove and inspect virtual authenticators on that page.
 */
export async function newTab (browser, { initScripts = [] } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(recordWebauthnCalls);
  for (const script of initScripts)
    await page.addInitScript(script);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const authenticators = new Set();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => d.accept().catch(() => {}));

  const tab = {
    context,
    page,
    cdp,
    consoleLines,
    async addAuthenticator (options = {}) {
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { ...AUTHENTICATOR, ...options },
      });
      authenticators.add(authenticatorId);
      return authenticatorId;
    },
    async removeAuthenticator (authenticatorId) {
      authenticators.delete(authenticatorId);
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
    async credentials (authenticatorId) {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
    async importCredential (authenticatorId, credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async webauthnCalls () {
      return page.evaluate(() => (window.__webauthnCalls || []).map((c) => ({ ...c })));
    },
    /** Chrome refuses credentials.create() without focus. */
    async focus () {
      await page.bringToFront();
      await page.evaluate(() => window.focus());
    },
    async close () {
      for (const id of [...authenticators]) {
        await tab.removeAuthenticator(id).catch(() => {});
      }
      await context.close().catch(() => {});
    },
  };
  return tab;
}

/** The base64 credential id CDP uses, as the base64url WebAuthn JSON uses. */
export function b64ToB64url (s) {
  return s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---------------------------------------------------------------------------
// Small HTTP servers of the tests' own (other localhost origins)

export async function listen (handler) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  return {
    port,
    origin: `http://localhost:${port}`,
    async close () {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A reverse proxy on another localhost port in front of the sample app: the
 * same page, the same backend, the same Client API, but served from an origin
 * that is not one of the tenant's expected origins. It rewrites the
 * request's Host, Origin and Referer to the real ones (so only the origin
 * inside clientDataJSON differs) and the baseUrl in /api/config (so the page
 * keeps to its own origin, as its CSP demands).
 */
export async function startForeignOriginProxy (server) {
  let self;
  self = await listen((req, res) => {
    const headers = { ...req.headers, host: `localhost:${server.port}` };
    if (headers.origin)
      headers.origin = server.origin;
    if (headers.referer)
      headers.referer = headers.referer.replace(self.origin, server.origin);
    delete headers['accept-encoding'];
    const upstream = http.request({
      host: '127.0.0.1',
      port: server.port,
      method: req.method,
      path: req.url,
      headers,
    }, (up) => {
      const rewrite = req.url.split('?')[0] === '/api/config';
      if (!rewrite) {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
        return;
      }
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8')
          .split(server.origin).join(self.origin));
        const h = { ...up.headers, 'content-length': String(body.length) };
        res.writeHead(up.statusCode, h);
        res.end(body);
      });
    });
    upstream.on('error', (e) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
    req.pipe(upstream);
  });
  return self;
}
