#!/usr/bin/env node
// Drive the official WorkOS Node SDK through the Events API and webhook verification against a
// WorkOS-compatible server.
//
// Run by `tests/tests/sdk_compat.rs` after it made the emulator emit Directory Sync events. Every check goes
// through the SDK's public API; the webhook flow also uses the emulator's control endpoints, as a test written in
// JavaScript would, to register an endpoint of its own and deprovision someone.
//
// Flows checked:
//   list-all        events.listEvents({ events, limit: 2 }) paged with `after` until listMetadata.after is null
//                   returns every event, oldest first, each deserialized (dsync.user.updated carries
//                   previousAttributes, the directory user its idpId and email)
//   list-filtered   organizationId narrows to one organization's events; rangeStart to the later ones
//   webhook         registers a local endpoint (POST /__emulator/webhooks), deprovisions WEBHOOK_EMAIL
//                   (POST /__emulator/directory_users/deprovision); webhooks.constructEvent accepts the delivery as
//                   it arrived (body and WorkOS-Signature header) and refuses it with a changed body or another
//                   secret
//
// Environment (all required):
//   WORKOS_BASE_URL, WORKOS_API_KEY,
//   EVENTS_NAMES (comma-separated: every event name emitted), EVENTS_EXPECTED_IDS (comma-separated, oldest first),
//   EVENTS_DEPROVISIONED_EMAIL, EVENTS_DEPROVISIONED_IDP_ID (the person of the first event, dsync.user.updated),
//   EVENTS_ORGANIZATION_ID, EVENTS_ORGANIZATION_EXPECTED_IDS (comma-separated: that organization's events),
//   EVENTS_RANGE_START (an event's created_at), EVENTS_RANGE_EXPECTED_IDS (comma-separated: it and the later ones),
//   WEBHOOK_EMAIL (an active person to deprovision; that emits one more event)
//
// Exit status 0 and one `node-sdk events: OK ...` line on success; non-zero with a `FAIL:` line otherwise.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import process from 'node:process';

import { WorkOS } from '@workos-inc/node';

import { env, fail, Failure } from './checks.mjs';

// Milliseconds before an SDK call gives up, or the webhook is given up on.
const TIMEOUT_MS = 15_000;

// The secret of the endpoint this script registers.
const WEBHOOK_SECRET = 'whsec_node_sdk_events_flow';

function list(name) {
  return env(name).split(',');
}

function checkEqual(what, actual, expected) {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}

function sdkVersion() {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('@workos-inc/node/package.json'), 'utf8')).version;
}

function sdkConnectionOptions(baseUrl) {
  const url = new URL(baseUrl);
  const options = { apiHostname: url.hostname, https: url.protocol === 'https:', timeout: TIMEOUT_MS };
  if (url.port) options.port = Number(url.port);
  return options;
}

// Every event the filter matches, a page of `limit` at a time, following listMetadata.after.
async function listAll(workos, options, limit) {
  const seen = [];
  let after;
  for (let page = 0; page < 50; page += 1) {
    const result = await workos.events.listEvents({ ...options, limit, ...(after && { after }) });
    if (result.object !== 'list') fail(`listEvents: object ${result.object}`);
    seen.push(...result.data);
    after = result.listMetadata.after;
    if (!after) return seen;
    checkEqual('listMetadata.after is the last event of the page', after, result.data.at(-1).id);
  }
  fail('listEvents: more than 50 pages');
}

async function runListAll(cfg, workos) {
  const events = await listAll(workos, { events: cfg.names }, 2);
  checkEqual('list-all: ids', events.map((event) => event.id), cfg.expectedIds);
  const first = events[0];
  checkEqual('list-all: first event', first.event, 'dsync.user.updated');
  checkEqual('list-all: state', first.data.state, 'inactive');
  checkEqual('list-all: previousAttributes', first.data.previousAttributes, { state: 'active' });
  checkEqual('list-all: email', first.data.email, cfg.deprovisionedEmail);
  checkEqual('list-all: idpId', first.data.idpId, cfg.deprovisionedIdpId);
  for (const event of events) {
    if (!event.createdAt || !event.data) fail(`list-all: ${event.id} was not deserialized: ${JSON.stringify(event)}`);
  }
  const connection = events.find((event) => event.event === 'connection.deactivated');
  if (!connection?.data.organizationId || connection.data.state !== 'inactive') {
    fail(`list-all: connection.deactivated: ${JSON.stringify(connection)}`);
  }
}

async function runListFiltered(cfg, workos) {
  const mine = await listAll(workos, { events: cfg.names, organizationId: cfg.organizationId }, 10);
  checkEqual('list-filtered: organizationId', mine.map((event) => event.id), cfg.organizationIds);
  const later = await listAll(workos, { events: cfg.names, rangeStart: cfg.rangeStart }, 10);
  checkEqual('list-filtered: rangeStart', later.map((event) => event.id), cfg.rangeIds);
}

// POSTs `body` as JSON to the emulator's control endpoint `path`; the response's status and text.
async function control(cfg, path, body) {
  const response = await fetch(new URL(path, cfg.baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return [response.status, await response.text()];
}

// A local endpoint that resolves `delivery` with the first request's raw body and signature header.
async function startEndpoint() {
  let deliver;
  const delivery = new Promise((resolve) => {
    deliver = resolve;
  });
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200).end();
      deliver({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: request.headers['workos-signature'],
        contentType: request.headers['content-type'],
      });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/webhooks/workos`;
  return { server, url, delivery };
}

async function runWebhook(cfg, workos) {
  const { server, url, delivery } = await startEndpoint();
  try {
    const [registered, registration] = await control(cfg, '__emulator/webhooks', { url, secret: WEBHOOK_SECRET });
    checkEqual(`webhook: POST /__emulator/webhooks (${registration})`, registered, 204);
    const [status, text] = await control(cfg, '__emulator/directory_users/deprovision', { email: cfg.webhookEmail });
    checkEqual(`webhook: POST /__emulator/directory_users/deprovision (${text})`, status, 200);
    const emitted = JSON.parse(text);
    const timeout = new Promise((_, reject) => {
      setTimeout(() => reject(new Failure('webhook: no delivery within the timeout')), TIMEOUT_MS).unref();
    });
    const { body, signature, contentType } = await Promise.race([delivery, timeout]);
    checkEqual('webhook: Content-Type', contentType, 'application/json');
    const payload = JSON.parse(body);
    checkEqual('webhook: the delivered event', payload, emitted);
    const event = await workos.webhooks.constructEvent({ payload, sigHeader: signature, secret: WEBHOOK_SECRET });
    checkEqual('webhook: id', event.id, emitted.id);
    checkEqual('webhook: state', event.data.state, 'inactive');
    const refusals = [
      ['a changed body', { ...payload, data: { ...payload.data, state: 'active' } }, WEBHOOK_SECRET],
      ['another secret', payload, `${WEBHOOK_SECRET}x`],
    ];
    for (const [what, changed, secret] of refusals) {
      let accepted = false;
      try {
        await workos.webhooks.constructEvent({ payload: changed, sigHeader: signature, secret });
        accepted = true;
      } catch (error) {
        if (error?.name !== 'SignatureVerificationException') throw error;
      }
      if (accepted) fail(`webhook: constructEvent accepted ${what}`);
    }
  } finally {
    server.close();
  }
}

async function main() {
  const sdk = `@workos-inc/node ${sdkVersion()}`;
  const flows = [
    ['list-all', runListAll],
    ['list-filtered', runListFiltered],
    ['webhook', runWebhook],
  ];
  let cfg;
  try {
    cfg = {
      baseUrl: env('WORKOS_BASE_URL'),
      apiKey: env('WORKOS_API_KEY'),
      names: list('EVENTS_NAMES'),
      expectedIds: list('EVENTS_EXPECTED_IDS'),
      deprovisionedEmail: env('EVENTS_DEPROVISIONED_EMAIL'),
      deprovisionedIdpId: env('EVENTS_DEPROVISIONED_IDP_ID'),
      organizationId: env('EVENTS_ORGANIZATION_ID'),
      organizationIds: list('EVENTS_ORGANIZATION_EXPECTED_IDS'),
      rangeStart: env('EVENTS_RANGE_START'),
      rangeIds: list('EVENTS_RANGE_EXPECTED_IDS'),
      webhookEmail: env('WEBHOOK_EMAIL'),
    };
    delete process.env.WORKOS_API_KEY;
    const workos = new WorkOS({ apiKey: cfg.apiKey, ...sdkConnectionOptions(cfg.baseUrl) });
    for (const [, run] of flows) {
      await run(cfg, workos);
    }
  } catch (error) {
    if (!(error instanceof Failure)) console.error(error);
    const detail = error instanceof Failure ? error.message : `unexpected ${error?.name}: ${error?.message}`;
    console.error(`FAIL: node-sdk events (${sdk}): ${detail}`);
    return 1;
  }
  const names = flows.map(([name]) => name).join(', ');
  console.log(`node-sdk events: OK (${sdk}) flows [${names}], ${cfg.expectedIds.length} events`);
  return 0;
}

process.exitCode = await main();
