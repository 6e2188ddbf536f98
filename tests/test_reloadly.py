"""Reloadly over HTTP: the token and its cache, operator detection, the top-up, the lookup and error shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses

from functions.config import ConfigError, load_settings
from functions.store import Reward
from functions.transports import TransportError, reward_provider
from functions.transports import reloadly as module
from functions.transports.reloadly import AUTH_URL, LIVE_URL, SANDBOX_URL, ReloadlyRewards

REWARD = Reward(clinic_id="smile", reward_id="2026-11/v42", visit_id="v42", phone="+79161234567",
                amount_minor=10000, currency="RUB", created_at=datetime(2026, 11, 23, tzinfo=UTC), provider="reloadly")
DETECT = f"{SANDBOX_URL}/operators/auto-detect/phone/9161234567/countries/RU"
MTS = {"operatorId": 660, "name": "MTS Russia", "destinationCurrencyCode": "RUB", "senderCurrencyCode": "USD",
       "supportsLocalAmounts": True, "denominationType": "RANGE", "localMinAmount": 10.0, "localMaxAmount": 5000.0,
       "minAmount": 0.12, "maxAmount": 60.0}
TOPUP = {"transactionId": 4602843, "status": "SUCCESSFUL", "operatorTransactionId": "OP-1",
         "customIdentifier": "smile/2026-11/v42", "recipientPhone": "79161234567", "operatorName": "MTS Russia",
         "requestedAmount": 100.0, "requestedAmountCurrencyCode": "RUB", "deliveredAmount": 100.0}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def no_cached_tokens():
    module._tokens.clear()
    yield
    module._tokens.clear()


def token(value: str = "tok-1", expires_in: int = 3600) -> None:
    responses.post(AUTH_URL, json={"access_token": value, "scope": "send-topups", "expires_in": expires_in,
                                   "token_type": "Bearer"})


def body(call) -> dict:
    return json.loads(call.request.body)


@responses.activate
def test_a_top_up_detects_the_operator_and_sends_our_id_in_local_currency() -> None:
    token()
    responses.get(DETECT, json=MTS)
    responses.post(f"{SANDBOX_URL}/topups", json=TOPUP)
    payout = ReloadlyRewards("client-1", "secret-1").top_up(REWARD)
    assert (payout.status, payout.reference) == ("paid", "4602843")
    auth, detect, topup = responses.calls
    assert body(auth) == {"client_id": "client-1", "client_secret": "secret-1", "grant_type": "client_credentials",
                          "audience": SANDBOX_URL}
    assert detect.request.headers["Authorization"] == "Bearer tok-1"
    assert detect.request.headers["Accept"] == "application/com.reloadly.topups-v1+json"
    assert body(topup) == {"operatorId": 660, "amount": 100.0, "useLocalAmount": True,
                           "customIdentifier": "smile/2026-11/v42",
                           "recipientPhone": {"countryCode": "RU", "number": "9161234567"}}


@responses.activate
def test_the_token_is_cached_until_shortly_before_it_expires() -> None:
    clock = Clock()
    token("tok-1", expires_in=600)
    responses.get(DETECT, json=MTS)
    responses.post(f"{SANDBOX_URL}/topups", json=TOPUP)
    payer = ReloadlyRewards("client-1", "secret-1", clock=clock)
    payer.top_up(REWARD)
    ReloadlyRewards("client-1", "secret-1", clock=clock).top_up(REWARD)  # another instance, same process
    assert [c.request.url for c in responses.calls].count(AUTH_URL) == 1
    clock.now += 600 - 59  # inside the last minute: renewed
    token("tok-2")
    payer.top_up(REWARD)
    assert [c.request.url for c in responses.calls].count(AUTH_URL) == 2
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer tok-2"


@responses.activate
def test_a_token_refused_by_the_api_is_renewed_once() -> None:
    token("old")
    responses.get(DETECT, json={"errorCode": "TOKEN_EXPIRED", "message": "Expired"}, status=401)
    responses.get(DETECT, json=MTS)
    responses.post(f"{SANDBOX_URL}/topups", json=TOPUP)
    assert ReloadlyRewards("client-1", "secret-1").top_up(REWARD).status == "paid"
    assert [c.request.url for c in responses.calls].count(AUTH_URL) == 2


@responses.activate
def test_wrong_credentials_are_a_passing_failure_for_the_reward() -> None:
    responses.post(AUTH_URL, json={"error": "access_denied", "message": "Bad credentials"}, status=401)
    with pytest.raises(TransportError) as err:
        ReloadlyRewards("client-1", "wrong").top_up(REWARD)
    assert not err.value.permanent and "Bad credentials" in err.value.message


@responses.activate
def test_pending_is_reported_as_pending() -> None:
    token()
    responses.get(DETECT, json=MTS)
    responses.post(f"{SANDBOX_URL}/topups", json={**TOPUP, "status": "PENDING"})
    assert ReloadlyRewards("c", "s").top_up(REWARD).status == "pending"


@pytest.mark.parametrize("where,status,code,permanent", [
    ("topup", 400, "INVALID_RECIPIENT_PHONE", True),
    ("detect", 404, "COULD_NOT_AUTO_DETECT_OPERATOR", True),
    ("topup", 400, "INSUFFICIENT_BALANCE", False),
    ("topup", 400, "PHONE_RECENTLY_RECHARGED", False),
    ("topup", 429, "TOO_MANY_REQUESTS", False),
    ("topup", 503, "", False),
])
@responses.activate
def test_error_shapes_map_to_passing_or_permanent(where: str, status: int, code: str, permanent: bool) -> None:
    token()
    error = {"timeStamp": "2026-11-23 12:00:00", "message": "refused", "path": "/topups", "errorCode": code,
             "infoLink": None, "details": []}
    responses.get(DETECT, json=error if where == "detect" else MTS, status=status if where == "detect" else 200)
    responses.post(f"{SANDBOX_URL}/topups", json=error, status=status)
    with pytest.raises(TransportError) as err:
        ReloadlyRewards("c", "s").top_up(REWARD)
    assert err.value.permanent is permanent
    if status < 429:
        assert code in err.value.message


@responses.activate
def test_a_timeout_or_a_page_without_json_is_passing() -> None:
    token()
    responses.get(DETECT, json=MTS)
    responses.post(f"{SANDBOX_URL}/topups", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(TransportError) as err:
        ReloadlyRewards("c", "s").top_up(REWARD)
    assert not err.value.permanent and "ReadTimeout" in err.value.message
    responses.replace(responses.POST, f"{SANDBOX_URL}/topups", body="<html>Bad gateway</html>", status=200)
    with pytest.raises(TransportError) as err:
        ReloadlyRewards("c", "s").top_up(REWARD)
    assert not err.value.permanent


@pytest.mark.parametrize("operator,reason", [
    ({**MTS, "destinationCurrencyCode": "KZT", "senderCurrencyCode": "USD"}, "tops up in KZT"),
    ({**MTS, "localMinAmount": 150.0}, "takes 150.0-5000.0"),
    ({**MTS, "denominationType": "FIXED", "localFixedAmounts": [50.0, 200.0]}, "only fixed amounts"),
])
@responses.activate
def test_an_amount_the_operator_cannot_take_is_refused_before_any_top_up(operator: dict, reason: str) -> None:
    token()
    responses.get(DETECT, json=operator)
    with pytest.raises(TransportError) as err:
        ReloadlyRewards("c", "s").top_up(REWARD)
    assert err.value.permanent and reason in err.value.message
    assert not any(c.request.url.endswith("/topups") for c in responses.calls)


@responses.activate
def test_the_lookup_finds_our_top_up_by_its_id_only() -> None:
    token()
    report = f"{SANDBOX_URL}/topups/reports/transactions"
    responses.get(report, json={"content": [{**TOPUP, "customIdentifier": "smile/2026-11/v4"}],
                                "totalElements": 1})
    payer = ReloadlyRewards("c", "s")
    assert payer.look_up(REWARD) is None
    assert "customIdentifier=smile%2F2026-11%2Fv42" in responses.calls[-1].request.url
    responses.replace(responses.GET, report, json={"content": [{**TOPUP, "status": "FAILED", "transactionId": 1},
                                                               TOPUP]})
    found = payer.look_up(REWARD)
    assert (found.status, found.reference) == ("paid", "4602843")


def test_configuration_picks_sandbox_or_live_and_needs_credentials() -> None:
    assert reward_provider(load_settings({})) is None
    live = reward_provider(load_settings({"FUNNEL_REWARD_PROVIDER": "reloadly", "FUNNEL_RELOADLY_CLIENT_ID": "i",
                                          "FUNNEL_RELOADLY_CLIENT_SECRET": "s", "FUNNEL_RELOADLY_SANDBOX": "false"}))
    assert isinstance(live, ReloadlyRewards) and live.base == LIVE_URL
    with pytest.raises(ConfigError, match="RELOADLY_CLIENT_ID"):
        load_settings({"FUNNEL_REWARD_PROVIDER": "reloadly"})
