#!/usr/bin/env python3
"""Drive the official WorkOS Python SDK through the Events API and webhook verification against a
WorkOS-compatible server.

Run by `tests/tests/sdk_compat.rs` after it made the emulator emit Directory Sync events. Every check goes through
the SDK's public API, whose models are strict: an event missing a key the SDK requires fails to deserialize. The
webhook flow also uses the emulator's control endpoints, as a test written in Python would, to register an endpoint
of its own and deprovision someone.

Flows checked:
  list-all        events.list_events(events=[...], limit=2).auto_paging_iter() returns every event, oldest first,
                  each as its typed model (none unknown); dsync.user.updated carries previous_attributes
  list-filtered   organization_id narrows to one organization's events; range_start (a datetime) to the later ones
  webhook         registers a local endpoint (POST /__emulator/webhooks), deprovisions WEBHOOK_EMAIL
                  (POST /__emulator/directory_users/deprovision); webhooks.verify_event accepts the delivery as it
                  arrived (raw body and WorkOS-Signature header) and refuses it with a changed body or another secret

Environment (all required):
  WORKOS_BASE_URL, WORKOS_API_KEY,
  EVENTS_NAMES (comma-separated: every event name emitted), EVENTS_EXPECTED_IDS (comma-separated, oldest first),
  EVENTS_DEPROVISIONED_EMAIL, EVENTS_DEPROVISIONED_IDP_ID (the person of the first event, dsync.user.updated),
  EVENTS_ORGANIZATION_ID, EVENTS_ORGANIZATION_EXPECTED_IDS (comma-separated: that organization's events),
  EVENTS_RANGE_START (an event's created_at), EVENTS_RANGE_EXPECTED_IDS (comma-separated: it and the later ones),
  WEBHOOK_EMAIL (an active person to deprovision; that emits one more event)

Exit status 0 and one `python-sdk events: OK ...` line on success; non-zero with a `FAIL:` line otherwise.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import traceback
import urllib.error
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib.metadata import version as package_version
from typing import Any

import workos
from checks import Failure, check_equal, env, fail
from workos import WorkOSClient

# Seconds before an SDK call gives up, or the webhook is given up on.
TIMEOUT = 15

# The secret of the endpoint this script registers.
WEBHOOK_SECRET = "whsec_python_sdk_events_flow"


def env_list(name: str) -> list[str]:
    return env(name).split(",")


def run_list_all(client: WorkOSClient) -> None:
    page = client.events.list_events(events=env_list("EVENTS_NAMES"), limit=2)
    check_equal("list-all: first page's cursor", page.after, page.data[-1].id)
    events = list(page.auto_paging_iter())
    check_equal("list-all: ids", [event.id for event in events], env_list("EVENTS_EXPECTED_IDS"))
    unknown = [event for event in events if type(event).__name__ == "EventSchemaUnknown"]
    if unknown:
        fail(f"list-all: events the SDK did not recognise: {unknown!r}")
    first = events[0]
    check_equal("list-all: first event", first.event, "dsync.user.updated")
    check_equal("list-all: state", str(first.data.state.value), "inactive")
    check_equal("list-all: previous_attributes", first.data.previous_attributes, {"state": "active"})
    check_equal("list-all: email", first.data.email, env("EVENTS_DEPROVISIONED_EMAIL"))
    check_equal("list-all: idp_id", first.data.idp_id, env("EVENTS_DEPROVISIONED_IDP_ID"))


def run_list_filtered(client: WorkOSClient) -> None:
    names = env_list("EVENTS_NAMES")
    mine = client.events.list_events(events=names, organization_id=env("EVENTS_ORGANIZATION_ID"))
    check_equal(
        "list-filtered: organization_id",
        [event.id for event in mine.auto_paging_iter()],
        env_list("EVENTS_ORGANIZATION_EXPECTED_IDS"),
    )
    start = datetime.fromisoformat(env("EVENTS_RANGE_START").replace("Z", "+00:00"))
    later = client.events.list_events(events=names, range_start=start)
    check_equal(
        "list-filtered: range_start",
        [event.id for event in later.auto_paging_iter()],
        env_list("EVENTS_RANGE_EXPECTED_IDS"),
    )


def control(path: str, body: dict[str, Any]) -> tuple[int, str]:
    """POSTs `body` as JSON to the emulator's control endpoint `path`; the status and the response's text."""
    request = urllib.request.Request(
        env("WORKOS_BASE_URL").rstrip("/") + "/" + path,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def start_endpoint() -> tuple[HTTPServer, str, queue.Queue[tuple[bytes, str, str]]]:
    """A local endpoint that queues each request's raw body, signature and content type, answering 200."""
    deliveries: queue.Queue[tuple[bytes, str, str]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            deliveries.put(
                (body, self.headers.get("WorkOS-Signature", ""), self.headers.get("Content-Type", ""))
            )

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/webhooks/workos", deliveries


def run_webhook(client: WorkOSClient) -> None:
    server, url, deliveries = start_endpoint()
    try:
        status, text = control("__emulator/webhooks", {"url": url, "secret": WEBHOOK_SECRET})
        check_equal(f"webhook: POST /__emulator/webhooks ({text})", status, 204)
        status, text = control("__emulator/directory_users/deprovision", {"email": env("WEBHOOK_EMAIL")})
        check_equal(f"webhook: POST /__emulator/directory_users/deprovision ({text})", status, 200)
        emitted = json.loads(text)
        try:
            body, signature, content_type = deliveries.get(timeout=TIMEOUT)
        except queue.Empty:
            fail("webhook: no delivery within the timeout")
        check_equal("webhook: Content-Type", content_type, "application/json")
        check_equal("webhook: the delivered event", json.loads(body), emitted)
        event = client.webhooks.verify_event(event_body=body, event_signature=signature, secret=WEBHOOK_SECRET)
        check_equal("webhook: id", event.id, emitted["id"])
        check_equal("webhook: event", event.event, "dsync.user.updated")
        changed = body.replace(b'"inactive"', b'"active"')
        if changed == body:
            fail('webhook: the delivery has no "inactive" to change')
        refusals = [("a changed body", changed, WEBHOOK_SECRET), ("another secret", body, WEBHOOK_SECRET + "x")]
        for what, tampered, key in refusals:
            try:
                client.webhooks.verify_event(event_body=tampered, event_signature=signature, secret=key)
            except ValueError:
                continue
            fail(f"webhook: verify_event accepted {what}")
    finally:
        server.shutdown()


def main() -> int:
    sdk = f"workos {package_version('workos')}"
    flows = [
        ("list-all", run_list_all),
        ("list-filtered", run_list_filtered),
        ("webhook", run_webhook),
    ]
    try:
        client = WorkOSClient(
            api_key=env("WORKOS_API_KEY"),
            client_id="client_unused_by_these_calls",
            base_url=env("WORKOS_BASE_URL"),
            request_timeout=TIMEOUT,
        )
        for _, run in flows:
            run(client)
    except Failure as failure:
        print(f"FAIL: python-sdk events ({sdk}): {failure}", file=sys.stderr)
        return 1
    except workos.WorkOSError as error:
        traceback.print_exc()
        print(f"FAIL: python-sdk events ({sdk}): the SDK raised {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - any other crash is a failure too
        traceback.print_exc()
        print(f"FAIL: python-sdk events ({sdk}): unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    names = ", ".join(name for name, _ in flows)
    print(f"python-sdk events: OK ({sdk}) flows [{names}], {len(env_list('EVENTS_EXPECTED_IDS'))} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
