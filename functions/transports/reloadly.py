"""Phone credit through Reloadly's Airtime API.

OAuth client credentials (the token is cached until shortly before it expires), the operator
auto-detected from the number and its country, ``POST /topups`` with our reward id as
``customIdentifier``, and a lookup of that id in the transactions report, which the payer makes
before any second attempt so that a timeout or a crash never leads to a second top-up.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import phonenumbers

from functions.store import Reward
from functions.transports.base import Payout, TransportError
from functions.transports.http import call, json_of, session

AUTH_URL = "https://auth.reloadly.com/oauth/token"
LIVE_URL = "https://topups.reloadly.com"
SANDBOX_URL = "https://topups-sandbox.reloadly.com"
ACCEPT = "application/com.reloadly.topups-v1+json"
# A token is renewed this long before Reloadly says it expires.
TOKEN_MARGIN = 60
# Error codes that pass with time or with the operator's help (money on the account, an operator
# that is down, a number topped up moments ago); any other refusal of a request is for good.
PASSING = {"INSUFFICIENT_BALANCE", "PHONE_RECENTLY_RECHARGED", "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT",
           "SERVICE_TO_OPERATOR_TEMPORARILY_UNAVAILABLE", "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE",
           "TOO_MANY_REQUESTS", "TOKEN_EXPIRED"}
STATUSES = {"SUCCESSFUL": "paid", "PENDING": "pending", "PROCESSING": "pending", "FAILED": "failed",
            "REFUNDED": "failed"}

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def custom_identifier(reward: Reward) -> str:
    return f"{reward.clinic_id}/{reward.reward_id}"


class ReloadlyRewards:
    name = "reloadly"

    def __init__(self, client_id: str, client_secret: str, *, sandbox: bool = True, http: Any = None,
                 clock: Any = time.monotonic) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.base = SANDBOX_URL if sandbox else LIVE_URL
        self.http = http or session()
        self.clock = clock

    # Authentication
    def _token(self, renew: bool = False) -> str:
        key = (self.client_id, self.base)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not renew and cached[1] > self.clock():
                return cached[0]
            answer = call(self.http, "POST", "Reloadly auth", AUTH_URL, json={
                "client_id": self.client_id, "client_secret": self.client_secret,
                "grant_type": "client_credentials", "audience": self.base})
            body = json_of(answer, "Reloadly auth")
            token = body.get("access_token")
            if answer.status_code != 200 or not isinstance(token, str):
                # Wrong credentials are the operator's to fix; the reward itself is fine, so try again later.
                refusal = f"HTTP {answer.status_code} {body.get('message', '')}".strip()
                raise TransportError(f"Reloadly auth refused: {refusal}")
            lifetime = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 3600
            _tokens[key] = (token, self.clock() + max(lifetime - TOKEN_MARGIN, 0))
            return token

    def _api(self, method: str, path: str, **kwargs: Any) -> dict:
        for renew in (False, True):
            headers = {"Authorization": f"Bearer {self._token(renew)}", "Accept": ACCEPT}
            answer = call(self.http, method, "Reloadly", self.base + path, headers=headers, **kwargs)
            if answer.status_code != 401:
                break
        body = json_of(answer, "Reloadly")
        if answer.status_code >= 400:
            code = str(body.get("errorCode") or "")
            reason = f"Reloadly {code or answer.status_code}: {body.get('message', '')}".strip().rstrip(":")
            raise TransportError(reason, permanent=answer.status_code != 401 and code not in PASSING)
        return body

    # Top-ups
    def top_up(self, reward: Reward) -> Payout:
        country, number = _recipient(reward.phone)
        operator = self._api("GET", f"/operators/auto-detect/phone/{number}/countries/{country}",
                             params={"suggestedAmountsMap": "false", "suggestedAmounts": "false"})
        amount, local = _amount(operator, reward)
        body = self._api("POST", "/topups", json={
            "operatorId": operator.get("operatorId") or operator.get("id"), "amount": amount,
            "useLocalAmount": local, "customIdentifier": custom_identifier(reward),
            "recipientPhone": {"countryCode": country, "number": number}})
        return _payout(body)

    def look_up(self, reward: Reward) -> Payout | None:
        wanted = custom_identifier(reward)
        body = self._api("GET", "/topups/reports/transactions", params={"customIdentifier": wanted, "size": 10})
        content = body.get("content") if isinstance(body.get("content"), list) else []
        found = [t for t in content if isinstance(t, dict) and t.get("customIdentifier") == wanted]
        if not found:
            return None
        # A paid one wins over an earlier failed one, should both exist.
        found.sort(key=lambda t: STATUSES.get(str(t.get("status")), "pending") != "paid")
        return _payout(found[0])


def _recipient(phone: str) -> tuple[str, str]:
    try:
        parsed = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        raise TransportError(f"not a phone number: {phone[:4]}…", permanent=True) from None
    country = phonenumbers.region_code_for_number(parsed)
    if not country:
        raise TransportError("no country for the phone number", permanent=True)
    return country, phonenumbers.national_significant_number(parsed)


def _amount(operator: dict, reward: Reward) -> tuple[float, bool]:
    """The amount to ask for, in the operator's local currency when it is the reward's currency."""
    amount = reward.amount_minor / 100
    if operator.get("destinationCurrencyCode") == reward.currency and operator.get("supportsLocalAmounts", True):
        low, high = operator.get("localMinAmount"), operator.get("localMaxAmount")
        fixed = operator.get("localFixedAmounts") or []
        local = True
    elif operator.get("senderCurrencyCode") == reward.currency:
        low, high = operator.get("minAmount"), operator.get("maxAmount")
        fixed = operator.get("fixedAmounts") or []
        local = False
    else:
        raise TransportError(f"{operator.get('name', 'the operator')} tops up in "
                             f"{operator.get('destinationCurrencyCode')}, the reward is in {reward.currency}",
                             permanent=True)
    if operator.get("denominationType") == "FIXED" and fixed and amount not in [float(f) for f in fixed]:
        raise TransportError(f"{operator.get('name')} takes only fixed amounts {fixed}", permanent=True)
    if isinstance(low, int | float) and isinstance(high, int | float) and not low <= amount <= high:
        raise TransportError(f"{operator.get('name')} takes {low}-{high}, the reward is {amount}", permanent=True)
    return amount, local


def _payout(transaction: dict) -> Payout:
    status = STATUSES.get(str(transaction.get("status") or "SUCCESSFUL"), "pending")
    reference = str(transaction.get("transactionId") or "")
    detail = str(transaction.get("operatorName") or "")
    return Payout(status=status, reference=reference, detail=detail)
