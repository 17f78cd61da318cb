#!/usr/bin/env python3
"""Drive the official WorkOS Python SDK through a full SSO login and an organization lookup against a
WorkOS-compatible server.

Run by `tests/tests/sdk_compat.rs` against the rocket-workos-sso emulator in auto-login mode; it can also be
pointed at any server by hand. Every SDK call goes through the SDK's public API; only the browser leg (GET the
authorization URL, read the redirect) is plain HTTP, because no SDK performs it.

Flows checked:
  confidential         get_authorization_url(organization=...) -> get_profile_and_token -> get_profile
  pkce                 get_authorization_url_with_pkce -> get_profile_and_token_pkce (verifier + API key)
  pkce-public          the same through create_public_client (verifier only, no API key sent)
  pkce-wrong-verifier  a PKCE code exchanged with the wrong verifier is refused with invalid_grant
  organizations        organizations.list_organizations(domains=[...]) finds every organization claiming a
                       domain; get_organization reads one; an unknown ID raises NotFoundError
Each successful exchange is then replayed and must fail with BadRequestError(error="invalid_grant").

Environment (all required):
  WORKOS_BASE_URL, WORKOS_API_KEY, WORKOS_CLIENT_ID, SSO_REDIRECT_URI, SSO_ORGANIZATION_ID,
  SSO_EXPECTED_EMAIL, SSO_EXPECTED_FIRST_NAME, SSO_EXPECTED_LAST_NAME,
  SSO_EXPECTED_CONNECTION_ID, SSO_EXPECTED_CONNECTION_TYPE,
  SSO_EXPECTED_ORGANIZATION_NAME, SSO_EXPECTED_ORGANIZATION_DOMAIN (the organization's only domain),
  SSO_SHARED_DOMAIN, SSO_EXPECTED_SHARED_DOMAIN_ORGANIZATION_IDS (comma-separated: every claimant),
  SSO_UNKNOWN_ORGANIZATION_ID
Optional: SSO_EXPECTED_NAME (defaults to "<first name> <last name>").

Exit status 0 and one `python-sdk: OK ...` line on success; non-zero with a `FAIL:` line otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import secrets
import sys
import traceback
from importlib.metadata import version as package_version
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import workos
from checks import Failure, check_equal, env, fail
from workos import BadRequestError, NotFoundError, WorkOSClient, create_public_client

# Seconds before an SDK call or the browser leg gives up.
TIMEOUT = 15


def single_query_param(query: dict[str, list[str]], name: str, where: str) -> str:
    values = query.get(name)
    if not values or len(values) != 1:
        fail(f"{where}: expected exactly one `{name}` query parameter, got {values!r}")
    return values[0]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Config:
    """The test's inputs, read from the environment."""

    def __init__(self) -> None:
        self.base_url = env("WORKOS_BASE_URL")
        self.api_key = env("WORKOS_API_KEY")
        self.client_id = env("WORKOS_CLIENT_ID")
        self.redirect_uri = env("SSO_REDIRECT_URI")
        self.organization_id = env("SSO_ORGANIZATION_ID")
        self.email = env("SSO_EXPECTED_EMAIL")
        self.first_name = env("SSO_EXPECTED_FIRST_NAME")
        self.last_name = env("SSO_EXPECTED_LAST_NAME")
        self.connection_id = env("SSO_EXPECTED_CONNECTION_ID")
        self.connection_type = env("SSO_EXPECTED_CONNECTION_TYPE")
        self.organization_name = env("SSO_EXPECTED_ORGANIZATION_NAME")
        self.organization_domain = env("SSO_EXPECTED_ORGANIZATION_DOMAIN")
        self.shared_domain = env("SSO_SHARED_DOMAIN")
        self.shared_domain_organization_ids = sorted(
            env("SSO_EXPECTED_SHARED_DOMAIN_ORGANIZATION_IDS").split(",")
        )
        self.unknown_organization_id = env("SSO_UNKNOWN_ORGANIZATION_ID")
        # Optional: the full name, when it is not "<first> <last>".
        self.name = os.environ.get("SSO_EXPECTED_NAME") or f"{self.first_name} {self.last_name}"


def check_authorization_url(
    cfg: Config, url: str, flow: str, state: str, verifier: str | None
) -> None:
    """Assert the SDK built the URL the WorkOS contract describes (section 2)."""
    parts = urlsplit(url)
    base = urlsplit(cfg.base_url)
    where = f"{flow}: authorization URL {url!r}"
    check_equal(f"{where}: origin", (parts.scheme, parts.netloc), (base.scheme, base.netloc))
    if not parts.path.endswith("/sso/authorize"):
        fail(f"{where}: path does not end in /sso/authorize")
    query = parse_qs(parts.query, keep_blank_values=True)
    expected = {
        "client_id": cfg.client_id,
        "redirect_uri": cfg.redirect_uri,
        "response_type": "code",
        "organization": cfg.organization_id,
        "state": state,
    }
    if verifier is not None:
        expected["code_challenge"] = s256(verifier)
        expected["code_challenge_method"] = "S256"
    for name, value in expected.items():
        check_equal(f"{where}: `{name}`", single_query_param(query, name, where), value)


def browser_leg(cfg: Config, url: str, flow: str, expected_state: str) -> str:
    """GET the authorization URL like a browser would, without following the redirect.

    The server is in auto-login mode, so it must answer with a redirect straight to the redirect URI carrying
    `code` and the unchanged `state`. Returns the code.
    """
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=TIMEOUT)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}", headers={"Accept": "text/html"})
        response = connection.getresponse()
        body = response.read(2048).decode("utf-8", "replace")
        location = response.getheader("Location")
    finally:
        connection.close()
    if response.status not in (302, 303, 307):
        fail(
            f"{flow}: GET /sso/authorize answered {response.status} instead of a redirect "
            f"(is the emulator in auto-login mode?); body: {body!r}"
        )
    if not location:
        fail(f"{flow}: the {response.status} from /sso/authorize has no Location header")
    target = urlsplit(location)
    expected = urlsplit(cfg.redirect_uri)
    check_equal(
        f"{flow}: redirect target of {location!r}",
        (target.scheme, target.netloc, target.path),
        (expected.scheme, expected.netloc, expected.path),
    )
    query = parse_qs(target.query, keep_blank_values=True)
    if "error" in query:
        fail(
            f"{flow}: login failed with error={query['error']!r} "
            f"error_description={query.get('error_description')!r}"
        )
    where = f"{flow}: callback {location!r}"
    check_equal(f"{flow}: state round-trip", single_query_param(query, "state", where), expected_state)
    code = single_query_param(query, "code", where)
    if not code:
        fail(f"{where}: empty `code`")
    return code


def check_profile(cfg: Config, profile: Any, what: str) -> None:
    check_equal(f"{what}.email", profile.email, cfg.email)
    check_equal(f"{what}.organization_id", profile.organization_id, cfg.organization_id)
    check_equal(f"{what}.connection_id", profile.connection_id, cfg.connection_id)
    # ConnectionType is a `str` enum; compare its wire value.
    check_equal(f"{what}.connection_type", str(profile.connection_type.value), cfg.connection_type)
    check_equal(f"{what}.first_name", profile.first_name, cfg.first_name)
    check_equal(f"{what}.last_name", profile.last_name, cfg.last_name)
    check_equal(f"{what}.name", profile.name, cfg.name)
    check_equal(f"{what}.object", profile.object, "profile")
    if not profile.id.startswith("prof_"):
        fail(f"{what}.id: expected a `prof_` ID, got {profile.id!r}")
    if not profile.idp_id:
        fail(f"{what}.idp_id is empty")


def expect_invalid_grant(flow: str, what: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except BadRequestError as error:
        check_equal(f"{flow}: {what}: BadRequestError.error", error.error, "invalid_grant")
        check_equal(f"{flow}: {what}: BadRequestError.status_code", error.status_code, 400)
        return
    except Exception as error:  # noqa: BLE001 - report whatever the SDK raised instead
        fail(
            f"{flow}: {what}: expected BadRequestError(invalid_grant), got "
            f"{type(error).__name__}: {error}"
        )
    fail(f"{flow}: {what}: succeeded, expected BadRequestError(invalid_grant)")


def finish_exchange(
    cfg: Config,
    client: WorkOSClient,
    flow: str,
    exchange: Callable[[], Any],
) -> None:
    """Run the code exchange, check its result and get_profile, then check the code cannot be replayed."""
    result = exchange()
    if not result.access_token:
        fail(f"{flow}: empty access_token")
    check_equal(f"{flow}: token_type", result.token_type, "Bearer")
    if not isinstance(result.expires_in, int) or result.expires_in <= 0:
        fail(f"{flow}: expires_in must be a positive integer, got {result.expires_in!r}")
    check_profile(cfg, result.profile, f"{flow}: token response profile")

    profile = client.sso.get_profile(access_token=result.access_token)
    check_profile(cfg, profile, f"{flow}: get_profile")
    check_equal(f"{flow}: get_profile id", profile.id, result.profile.id)

    expect_invalid_grant(flow, "replaying the code", exchange)


def run_confidential(cfg: Config, client: WorkOSClient) -> None:
    flow = "confidential"
    state = secrets.token_urlsafe(24)
    url = client.sso.get_authorization_url(
        redirect_uri=cfg.redirect_uri, organization=cfg.organization_id, state=state
    )
    check_authorization_url(cfg, url, flow, state, None)
    code = browser_leg(cfg, url, flow, state)
    finish_exchange(cfg, client, flow, lambda: client.sso.get_profile_and_token(code=code))


def start_pkce(cfg: Config, client: WorkOSClient, flow: str) -> tuple[str, str]:
    """Build a PKCE authorization URL with the SDK and log in; returns (code, code_verifier)."""
    started = client.sso.get_authorization_url_with_pkce(
        redirect_uri=cfg.redirect_uri, organization=cfg.organization_id
    )
    url, state, verifier = started["url"], started["state"], started["code_verifier"]
    check_authorization_url(cfg, url, flow, state, verifier)
    return browser_leg(cfg, url, flow, state), verifier


def run_pkce(cfg: Config, client: WorkOSClient) -> None:
    flow = "pkce"
    code, verifier = start_pkce(cfg, client, flow)
    finish_exchange(
        cfg,
        client,
        flow,
        lambda: client.sso.get_profile_and_token_pkce(code=code, code_verifier=verifier),
    )


def run_pkce_public(cfg: Config, client: WorkOSClient) -> None:
    """PKCE as a public client: the exchange carries no client secret and no API key."""
    flow = "pkce-public"
    public = create_public_client(
        client_id=cfg.client_id, base_url=cfg.base_url, request_timeout=TIMEOUT
    )
    code, verifier = start_pkce(cfg, public, flow)
    # get_profile only needs the access token; use the confidential client for it.
    finish_exchange(
        cfg,
        client,
        flow,
        lambda: public.sso.get_profile_and_token_pkce(code=code, code_verifier=verifier),
    )


def run_pkce_wrong_verifier(cfg: Config, client: WorkOSClient) -> None:
    flow = "pkce-wrong-verifier"
    code, verifier = start_pkce(cfg, client, flow)
    wrong = s256(verifier)  # 43 valid verifier characters, but not the verifier
    expect_invalid_grant(
        flow,
        "exchanging with the wrong code_verifier",
        lambda: client.sso.get_profile_and_token_pkce(code=code, code_verifier=wrong),
    )


def check_organization(cfg: Config, org: Any, what: str) -> None:
    """The organization of SSO_ORGANIZATION_ID, with its one domain as a typed object."""
    check_equal(f"{what}.object", org.object, "organization")
    check_equal(f"{what}.id", org.id, cfg.organization_id)
    check_equal(f"{what}.name", org.name, cfg.organization_name)
    check_equal(f"{what}.metadata", org.metadata, {})
    check_equal(f"{what}.external_id", org.external_id, None)
    check_equal(f"{what}: number of domains", len(org.domains), 1)
    domain = org.domains[0]
    check_equal(f"{what}.domains[0].object", domain.object, "organization_domain")
    check_equal(f"{what}.domains[0].domain", domain.domain, cfg.organization_domain)
    check_equal(f"{what}.domains[0].organization_id", domain.organization_id, cfg.organization_id)
    if not domain.id.startswith("org_domain_"):
        fail(f"{what}.domains[0].id: expected an `org_domain_` ID, got {domain.id!r}")
    # OrganizationDomainState is a `str` enum; compare its wire value.
    check_equal(f"{what}.domains[0].state", str(domain.state.value), "verified")
    if org.created_at.tzinfo is None:
        fail(f"{what}.created_at: expected a timezone-aware timestamp, got {org.created_at!r}")


def run_organizations(cfg: Config, client: WorkOSClient) -> None:
    flow = "organizations"
    page = client.organizations.list_organizations(domains=[cfg.shared_domain])
    check_equal(
        f"{flow}: organizations claiming {cfg.shared_domain}",
        sorted(org.id for org in page.data),
        cfg.shared_domain_organization_ids,
    )
    check_equal(f"{flow}: list_metadata.after", page.list_metadata.after, None)
    for org in page.data:
        if not any(claim.domain == cfg.shared_domain for claim in org.domains):
            fail(f"{flow}: {org.id} was listed for {cfg.shared_domain} but does not claim it")

    own = client.organizations.list_organizations(domains=[cfg.organization_domain.upper()])
    check_equal(f"{flow}: organizations claiming {cfg.organization_domain} (upper case)", len(own.data), 1)
    check_organization(cfg, own.data[0], f"{flow}: list_organizations")

    org = client.organizations.get_organization(cfg.organization_id)
    check_organization(cfg, org, f"{flow}: get_organization")

    try:
        client.organizations.get_organization(cfg.unknown_organization_id)
    except NotFoundError as error:
        check_equal(f"{flow}: unknown organization: NotFoundError.status_code", error.status_code, 404)
        return
    fail(f"{flow}: get_organization({cfg.unknown_organization_id!r}) succeeded, expected NotFoundError")


def main() -> int:
    sdk = f"workos {package_version('workos')}"
    try:
        cfg = Config()
        client = WorkOSClient(
            api_key=cfg.api_key,
            client_id=cfg.client_id,
            base_url=cfg.base_url,
            request_timeout=TIMEOUT,
        )
        flows = [
            ("confidential", run_confidential),
            ("pkce", run_pkce),
            ("pkce-public", run_pkce_public),
            ("pkce-wrong-verifier", run_pkce_wrong_verifier),
            ("organizations", run_organizations),
        ]
        for _, run in flows:
            run(cfg, client)
    except Failure as failure:
        print(f"FAIL: python-sdk ({sdk}): {failure}", file=sys.stderr)
        return 1
    except workos.WorkOSError as error:
        traceback.print_exc()
        print(
            f"FAIL: python-sdk ({sdk}): the SDK raised {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 1
    except Exception as error:  # noqa: BLE001 - any other crash is a failure too
        traceback.print_exc()
        print(f"FAIL: python-sdk ({sdk}): unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    names = ", ".join(name for name, _ in flows)
    print(
        f"python-sdk: OK ({sdk}) flows [{names}] as {cfg.email} "
        f"org={cfg.organization_id} connection={cfg.connection_id} ({cfg.connection_type})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
