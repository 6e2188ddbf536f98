"""The public API's OpenAPI document is served, valid, and true: every route of the app is in it or
declared private, and schemathesis, sending what the document allows and what it does not, finds no
server error and no answer off the document."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from functions.invites.dispatch import send_due_invites
from functions.visits.apikeys import create_key
from functions.visits.intake import import_rows
from functions.web.api_doc import OPERATIONS, PRIVATE
from functions.web.openapi import openapi_path
from tests.conftest import NOW, visit_row

ANSWERED = {"HEAD", "OPTIONS"}


def test_every_route_of_the_app_is_documented_or_private(app, client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in PRIVATE:
            continue
        assert rule.endpoint in OPERATIONS, f"{rule.rule} ({rule.endpoint}) is neither documented nor private"
        routes.setdefault(openapi_path(rule.rule), set()).update(m.lower() for m in rule.methods - ANSWERED)
    documented = {path: set(item) - {"parameters"} for path, item in document["paths"].items()}
    assert documented == routes
    assert {"/api/v1/invites/{token}/rating", "/api/v1/visits", "/hooks/twilio/inbound", "/r/{token}/{platform_id}",
            "/{token}/rating"} <= set(documented)


def test_the_document_is_valid_openapi_3(client) -> None:
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert operation["responses"], (method, path)


SECRET = "callback-secret-0123456789"


@pytest.fixture
def settings(settings):
    """With an SMS.ru callback secret, so that webhook is reachable too."""
    return settings.with_overrides(smsru_callback_secret=SECRET)


@pytest.fixture
def live(app, services, clinic) -> dict:
    """A clinic, its API key, and three live invites: fresh, scored low, scored high."""
    import_rows(services.store, clinic, [(n, visit_row(n)) for n in (1, 2, 3)], 14)
    send_due_invites(services, NOW)
    tokens = [services.store.get_visit("c1", f"v{n}").invite_token for n in (1, 2, 3)]
    client = app.test_client()
    client.post(f"/api/v1/invites/{tokens[1]}/rating", json={"score": 2})
    client.post(f"/api/v1/invites/{tokens[2]}/rating", json={"score": 5})
    return {"key": create_key(services.store, "c1", NOW), "tokens": tokens,
            "platforms": [p.id for p in clinic.platforms], "secret": SECRET}


# Every operation with what the document allows; those that take a body or headers also with what it
# does not (a path parameter alone has nothing to break that a router would pass on).
CASES = [(endpoint, method, mode) for endpoint, item in OPERATIONS.items() for method, operation in item.items()
         for mode in ("positive", "negative")
         if mode == "positive" or "requestBody" in operation or operation.get("parameters")]


@pytest.mark.parametrize("endpoint,method,mode", CASES, ids=["-".join(c) for c in CASES])
def test_schemathesis_finds_no_server_error_and_nothing_off_the_document(app, live, endpoint, method, mode) -> None:
    """What the document allows (positive) and what it does not (negative), 25 cases each per operation."""
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    operation = schema[openapi_path(rule.rule)][method]
    strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
    # The clinic's key on what the document allows; what it does not may be the key itself.
    visits = endpoint == "visits.post_visits" and mode == "positive"
    headers = {"Authorization": f"Bearer {live['key']}"} if visits else {}
    sent = []

    # Derandomised: the same cases every run, so the suite says the same thing each time.
    @hypothesis.settings(max_examples=25, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy, token=st.sampled_from([None, *live["tokens"]]),
           platform=st.sampled_from([None, *live["platforms"]]), secret=st.booleans())
    def run(case, token: str | None, platform: str | None, secret: bool) -> None:
        # Most made-up paths lead nowhere (404); these lead to live invites (whose answers change as the
        # cases go), the clinic's platforms and the SMS.ru callback, so the handlers behind them run too.
        parameters = case.path_parameters or {}
        for name, value in (("token", token), ("platform_id", platform), ("secret", secret and live["secret"])):
            if value and name in parameters:
                parameters[name] = value
        sent.append(case.call_and_validate(headers=headers).status_code)

    run()
    print(f"{endpoint} {method} {mode}: {len(sent)} requests, statuses {sorted(set(sent))}")
    assert sent
