#!/usr/bin/env node
// Drive the official WorkOS Node SDK through a full SSO login and an organization lookup against a
// WorkOS-compatible server.
//
// Run by `tests/tests/sdk_compat.rs` against the rocket-workos-sso emulator in auto-login mode; it can also be
// pointed at any server by hand. Every SDK call goes through the SDK's public API; only the browser leg (GET
// the authorization URL, read the redirect) is plain HTTP, because no SDK performs it.
//
// Flows checked:
//   confidential         getAuthorizationUrl({ organization }) -> getProfileAndToken -> getProfile
//   pkce                 getAuthorizationUrlWithPKCE -> getProfileAndToken({ codeVerifier }) with the API key
//   pkce-public          the same with a client that has no API key (verifier only, no client secret)
//   pkce-wrong-verifier  a PKCE code exchanged with the wrong verifier is refused with invalid_grant
//   organizations        organizations.listOrganizations({ domains }) finds every organization claiming a domain;
//                        getOrganization reads one; an unknown ID throws NotFoundException
// Each successful exchange is then replayed and must fail with OauthException(error "invalid_grant").
//
// Environment (all required):
//   WORKOS_BASE_URL, WORKOS_API_KEY, WORKOS_CLIENT_ID, SSO_REDIRECT_URI, SSO_ORGANIZATION_ID,
//   SSO_EXPECTED_EMAIL, SSO_EXPECTED_FIRST_NAME, SSO_EXPECTED_LAST_NAME,
//   SSO_EXPECTED_CONNECTION_ID, SSO_EXPECTED_CONNECTION_TYPE,
//   SSO_EXPECTED_ORGANIZATION_NAME, SSO_EXPECTED_ORGANIZATION_DOMAIN (the organization's only domain),
//   SSO_SHARED_DOMAIN, SSO_EXPECTED_SHARED_DOMAIN_ORGANIZATION_IDS (comma-separated: every claimant),
//   SSO_UNKNOWN_ORGANIZATION_ID
//
// Exit status 0 and one `node-sdk: OK ...` line on success; non-zero with a `FAIL:` line otherwise.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import process from 'node:process';

import { NotFoundException, OauthException, WorkOS } from '@workos-inc/node';

import { env, fail, Failure } from './checks.mjs';

// Milliseconds before an SDK call or the browser leg gives up.
const TIMEOUT_MS = 15_000;

function checkEqual(what, actual, expected) {
  if (actual !== expected) {
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function singleQueryParam(params, name, where) {
  const values = params.getAll(name);
  if (values.length !== 1) {
    fail(`${where}: expected exactly one \`${name}\` query parameter, got ${JSON.stringify(values)}`);
  }
  return values[0];
}

function s256(verifier) {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sdkVersion() {
  // The package's `exports` hide package.json from `import`; read it through the resolver instead.
  const require = createRequire(import.meta.url);
  const path = require.resolve('@workos-inc/node/package.json');
  return JSON.parse(readFileSync(path, 'utf8')).version;
}

function readConfig() {
  const cfg = {
    baseUrl: env('WORKOS_BASE_URL'),
    apiKey: env('WORKOS_API_KEY'),
    clientId: env('WORKOS_CLIENT_ID'),
    redirectUri: env('SSO_REDIRECT_URI'),
    organizationId: env('SSO_ORGANIZATION_ID'),
    email: env('SSO_EXPECTED_EMAIL'),
    firstName: env('SSO_EXPECTED_FIRST_NAME'),
    lastName: env('SSO_EXPECTED_LAST_NAME'),
    connectionId: env('SSO_EXPECTED_CONNECTION_ID'),
    connectionType: env('SSO_EXPECTED_CONNECTION_TYPE'),
    organizationName: env('SSO_EXPECTED_ORGANIZATION_NAME'),
    organizationDomain: env('SSO_EXPECTED_ORGANIZATION_DOMAIN'),
    sharedDomain: env('SSO_SHARED_DOMAIN'),
    sharedDomainOrganizationIds: env('SSO_EXPECTED_SHARED_DOMAIN_ORGANIZATION_IDS').split(',').sort(),
    unknownOrganizationId: env('SSO_UNKNOWN_ORGANIZATION_ID'),
  };
  // The SDK falls back to these variables when an option is missing. Remove them so that every client below
  // is configured explicitly, and the public client really has no API key.
  delete process.env.WORKOS_API_KEY;
  delete process.env.WORKOS_CLIENT_ID;
  return cfg;
}

// The Node SDK takes a host, a port and an `https` flag instead of a base URL, and always talks to the root
// path of that origin.
function sdkConnectionOptions(baseUrl) {
  const url = new URL(baseUrl);
  if (url.pathname !== '/' || url.search || url.hash) {
    fail(`WORKOS_BASE_URL ${baseUrl} has a path; the Node SDK can only talk to the root of an origin`);
  }
  const options = { apiHostname: url.hostname, https: url.protocol === 'https:', timeout: TIMEOUT_MS };
  if (url.port) options.port = Number(url.port);
  return options;
}

function checkAuthorizationUrl(cfg, url, flow, state, verifier) {
  const where = `${flow}: authorization URL ${url}`;
  const parsed = new URL(url);
  checkEqual(`${where}: origin`, parsed.origin, new URL(cfg.baseUrl).origin);
  checkEqual(`${where}: path`, parsed.pathname, '/sso/authorize');
  const expected = {
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    response_type: 'code',
    organization: cfg.organizationId,
    state,
  };
  if (verifier !== undefined) {
    expected.code_challenge = s256(verifier);
    expected.code_challenge_method = 'S256';
  }
  for (const [name, value] of Object.entries(expected)) {
    checkEqual(`${where}: \`${name}\``, singleQueryParam(parsed.searchParams, name, where), value);
  }
}

function getWithoutRedirect(url) {
  const transport = new URL(url).protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.get(url, { headers: { Accept: 'text/html' }, timeout: TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        if (body.length < 2048) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode, location: response.headers.location, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

// GET the authorization URL like a browser would, without following the redirect. The server is in auto-login
// mode, so it must redirect straight to the redirect URI with `code` and the unchanged `state`.
async function browserLeg(cfg, url, flow, expectedState) {
  const { status, location, body } = await getWithoutRedirect(url);
  if (![302, 303, 307].includes(status)) {
    fail(
      `${flow}: GET /sso/authorize answered ${status} instead of a redirect ` +
        `(is the emulator in auto-login mode?); body: ${JSON.stringify(body)}`,
    );
  }
  if (!location) fail(`${flow}: the ${status} from /sso/authorize has no Location header`);
  const target = new URL(location, url);
  const expected = new URL(cfg.redirectUri);
  checkEqual(
    `${flow}: redirect target of ${location}`,
    `${target.origin}${target.pathname}`,
    `${expected.origin}${expected.pathname}`,
  );
  const params = target.searchParams;
  if (params.has('error')) {
    fail(`${flow}: login failed with error=${params.get('error')} error_description=${params.get('error_description')}`);
  }
  const where = `${flow}: callback ${location}`;
  checkEqual(`${flow}: state round-trip`, singleQueryParam(params, 'state', where), expectedState);
  const code = singleQueryParam(params, 'code', where);
  if (!code) fail(`${where}: empty \`code\``);
  return code;
}

function checkProfile(cfg, profile, what) {
  checkEqual(`${what}.email`, profile.email, cfg.email);
  checkEqual(`${what}.organizationId`, profile.organizationId, cfg.organizationId);
  checkEqual(`${what}.connectionId`, profile.connectionId, cfg.connectionId);
  checkEqual(`${what}.connectionType`, profile.connectionType, cfg.connectionType);
  checkEqual(`${what}.firstName`, profile.firstName, cfg.firstName);
  checkEqual(`${what}.lastName`, profile.lastName, cfg.lastName);
  if (typeof profile.id !== 'string' || !profile.id.startsWith('prof_')) {
    fail(`${what}.id: expected a \`prof_\` ID, got ${JSON.stringify(profile.id)}`);
  }
  if (!profile.idpId) fail(`${what}.idpId is empty`);
}

async function expectInvalidGrant(flow, what, call) {
  let result;
  try {
    result = await call();
  } catch (error) {
    if (!(error instanceof OauthException)) {
      fail(`${flow}: ${what}: expected OauthException(invalid_grant), got ${error?.name}: ${error?.message}`);
    }
    checkEqual(`${flow}: ${what}: OauthException.error`, error.error, 'invalid_grant');
    checkEqual(`${flow}: ${what}: OauthException.status`, error.status, 400);
    return;
  }
  fail(`${flow}: ${what}: succeeded (${JSON.stringify(result)}), expected OauthException(invalid_grant)`);
}

// Run the code exchange, check its result and getProfile, then check the code cannot be replayed.
async function finishExchange(cfg, workos, flow, exchange) {
  const result = await exchange();
  if (typeof result.accessToken !== 'string' || !result.accessToken) {
    fail(`${flow}: empty accessToken in ${JSON.stringify(result)}`);
  }
  checkProfile(cfg, result.profile, `${flow}: token response profile`);

  const profile = await workos.sso.getProfile({ accessToken: result.accessToken });
  checkProfile(cfg, profile, `${flow}: getProfile`);
  checkEqual(`${flow}: getProfile id`, profile.id, result.profile.id);

  await expectInvalidGrant(flow, 'replaying the code', exchange);
}

async function runConfidential(cfg, workos) {
  const flow = 'confidential';
  const state = randomBytes(24).toString('base64url');
  // `clientId` does not default to the client's own: it must be passed.
  const url = workos.sso.getAuthorizationUrl({
    organization: cfg.organizationId,
    redirectUri: cfg.redirectUri,
    clientId: cfg.clientId,
    state,
  });
  checkAuthorizationUrl(cfg, url, flow, state, undefined);
  const code = await browserLeg(cfg, url, flow, state);
  await finishExchange(cfg, workos, flow, () => workos.sso.getProfileAndToken({ code, clientId: cfg.clientId }));
}

async function startPkce(cfg, workos, flow) {
  const { url, state, codeVerifier } = await workos.sso.getAuthorizationUrlWithPKCE({
    organization: cfg.organizationId,
    redirectUri: cfg.redirectUri,
    clientId: cfg.clientId,
  });
  checkAuthorizationUrl(cfg, url, flow, state, codeVerifier);
  return { code: await browserLeg(cfg, url, flow, state), codeVerifier };
}

async function runPkce(cfg, workos) {
  const flow = 'pkce';
  const { code, codeVerifier } = await startPkce(cfg, workos, flow);
  await finishExchange(cfg, workos, flow, () =>
    workos.sso.getProfileAndToken({ code, codeVerifier, clientId: cfg.clientId }),
  );
}

// PKCE as a public client: the exchange carries no client secret and no API key.
async function runPkcePublic(cfg, workos) {
  const flow = 'pkce-public';
  const publicClient = new WorkOS({ clientId: cfg.clientId, ...sdkConnectionOptions(cfg.baseUrl) });
  if (publicClient.key) fail(`${flow}: the public client picked up an API key`);
  const { code, codeVerifier } = await startPkce(cfg, publicClient, flow);
  // getProfile requires an API key on the client; the access token is what authenticates the call.
  await finishExchange(cfg, workos, flow, () =>
    publicClient.sso.getProfileAndToken({ code, codeVerifier, clientId: cfg.clientId }),
  );
}

async function runPkceWrongVerifier(cfg, workos) {
  const flow = 'pkce-wrong-verifier';
  const { code, codeVerifier } = await startPkce(cfg, workos, flow);
  const wrong = s256(codeVerifier); // 43 valid verifier characters, but not the verifier
  await expectInvalidGrant(flow, 'exchanging with the wrong codeVerifier', () =>
    workos.sso.getProfileAndToken({ code, codeVerifier: wrong, clientId: cfg.clientId }),
  );
}

// The organization of SSO_ORGANIZATION_ID, with its one domain as a typed object.
function checkOrganization(cfg, org, what) {
  checkEqual(`${what}.object`, org.object, 'organization');
  checkEqual(`${what}.id`, org.id, cfg.organizationId);
  checkEqual(`${what}.name`, org.name, cfg.organizationName);
  checkEqual(`${what}.metadata`, JSON.stringify(org.metadata), '{}');
  checkEqual(`${what}.externalId`, org.externalId, null);
  checkEqual(`${what}: number of domains`, org.domains.length, 1);
  const [domain] = org.domains;
  checkEqual(`${what}.domains[0].object`, domain.object, 'organization_domain');
  checkEqual(`${what}.domains[0].domain`, domain.domain, cfg.organizationDomain);
  checkEqual(`${what}.domains[0].organizationId`, domain.organizationId, cfg.organizationId);
  checkEqual(`${what}.domains[0].state`, domain.state, 'verified');
  if (typeof domain.id !== 'string' || !domain.id.startsWith('org_domain_')) {
    fail(`${what}.domains[0].id: expected an \`org_domain_\` ID, got ${JSON.stringify(domain.id)}`);
  }
  if (Number.isNaN(Date.parse(org.createdAt))) fail(`${what}.createdAt: not a timestamp: ${org.createdAt}`);
}

async function runOrganizations(cfg, workos) {
  const flow = 'organizations';
  const page = await workos.organizations.listOrganizations({ domains: [cfg.sharedDomain] });
  checkEqual(
    `${flow}: organizations claiming ${cfg.sharedDomain}`,
    JSON.stringify(page.data.map((org) => org.id).sort()),
    JSON.stringify(cfg.sharedDomainOrganizationIds),
  );
  checkEqual(`${flow}: listMetadata.after`, page.listMetadata.after, null);
  for (const org of page.data) {
    if (!org.domains.some((claim) => claim.domain === cfg.sharedDomain)) {
      fail(`${flow}: ${org.id} was listed for ${cfg.sharedDomain} but does not claim it`);
    }
  }

  const own = await workos.organizations.listOrganizations({ domains: [cfg.organizationDomain.toUpperCase()] });
  checkEqual(`${flow}: organizations claiming ${cfg.organizationDomain} (upper case)`, own.data.length, 1);
  checkOrganization(cfg, own.data[0], `${flow}: listOrganizations`);

  const org = await workos.organizations.getOrganization(cfg.organizationId);
  checkOrganization(cfg, org, `${flow}: getOrganization`);

  let unknown;
  try {
    unknown = await workos.organizations.getOrganization(cfg.unknownOrganizationId);
  } catch (error) {
    if (!(error instanceof NotFoundException)) {
      fail(`${flow}: unknown organization: expected NotFoundException, got ${error?.name}: ${error?.message}`);
    }
    checkEqual(`${flow}: unknown organization: NotFoundException.status`, error.status, 404);
    return;
  }
  fail(`${flow}: getOrganization(${cfg.unknownOrganizationId}) succeeded (${JSON.stringify(unknown)})`);
}

async function main() {
  const sdk = `@workos-inc/node ${sdkVersion()}`;
  const flows = [
    ['confidential', runConfidential],
    ['pkce', runPkce],
    ['pkce-public', runPkcePublic],
    ['pkce-wrong-verifier', runPkceWrongVerifier],
    ['organizations', runOrganizations],
  ];
  let cfg;
  try {
    cfg = readConfig();
    const workos = new WorkOS({ apiKey: cfg.apiKey, clientId: cfg.clientId, ...sdkConnectionOptions(cfg.baseUrl) });
    for (const [, run] of flows) {
      await run(cfg, workos);
    }
  } catch (error) {
    if (!(error instanceof Failure)) console.error(error);
    const detail = error instanceof Failure ? error.message : `unexpected ${error?.name}: ${error?.message}`;
    console.error(`FAIL: node-sdk (${sdk}): ${detail}`);
    return 1;
  }
  const names = flows.map(([name]) => name).join(', ');
  console.log(
    `node-sdk: OK (${sdk}) flows [${names}] as ${cfg.email} ` +
      `org=${cfg.organizationId} connection=${cfg.connectionId} (${cfg.connectionType})`,
  );
  return 0;
}

process.exitCode = await main();
