"""Erasing a patient from DynamoDB: every item of the phone at one clinic, found by key, never by Scan.

Items named by
the phone (patient, contact, the repeat rule's, the reward limit's, the care message's, the call's, the case their
WhatsApp words join, when they last wrote) are deleted by key. Items named by a visit are found from the visit ids the
register kept for the phone: the visit and its invite state (which names the invite's token and the provider's message
id), the care message (its own token), both cases and their timelines, the recommendation. A campaign's letter is
named by campaign and phone, and names its unsubscribe key. Reward rows (``<month>/<visit>``) stay for the accountant
without the phone. Opt-outs stay: a bare suppression, so a later import of the same number is never texted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from functions.store.dynamo_sending import clinic_key
from functions.store.dynamo_table import DynamoTable
from functions.store.patient_records import care_case_id

PHONE_ITEMS = ("PATIENT", "CONTACT", "PHONE", "RWPHONE", "CAREPHONE", "CALL", "CASEPHONE", "PATMSG#whatsapp",
               "PATMSG#sms")


class DynamoErase(DynamoTable):
    def erase_patient(self, clinic_id: str, phone: str, visits: dict[str, str],
                      campaign_ids: list[str]) -> dict[str, int]:
        pk = clinic_key(clinic_id)
        keys: list[tuple[str, str]] = [(pk, f"{kind}#{phone}") for kind in PHONE_ITEMS]
        for visit_id in visits:
            keys += [(pk, f"{kind}#{visit_id}") for kind in ("VISIT", "SMS", "CARE", "HANDOFF", "CASE")]
            keys.append((pk, f"CASE#{care_case_id(visit_id)}"))
            for case_id in (visit_id, care_case_id(visit_id)):
                keys += [(pk, self._de.deserialize(i["sk"])) for i in self._query_prefix(pk, f"CASEEV#{case_id}#")]
        keys += [(pk, f"CMSEND#{c}#{phone}") for c in campaign_ids]
        found = self._existing(keys)
        for sk, item in list(found.items()):
            kind = sk[1].split("#", 1)[0]
            plain = {k: self._de.deserialize(v) for k, v in item.items() if k in ("invite_token", "token",
                                                                                 "message_id", "unsub_id")}
            token = plain.get("invite_token") or plain.get("token")
            if token and kind in ("SMS", "CARE"):
                found[(f"INVITE#{token}", "INVITE")] = {}
            if plain.get("message_id") and kind in ("SMS", "CARE"):
                found[(f"MSG#{plain['message_id']}", "MSG")] = {}
            if plain.get("unsub_id") and kind == "CMSEND":
                found[(f"UNSUB#{plain['unsub_id']}", "UNSUB")] = {}
        self._batch_delete(list(found))
        counts = Counter(key[1].split("#", 1)[0] if key[0] == pk else key[0].split("#", 1)[0] for key in found)
        # The accountant keeps what was paid and when; the number it went to leaves with the patient.
        for visit_id, day in visits.items():
            if self._update(pk, f"REWARD#{day[:7]}/{visit_id}", "SET phone = :none",
                            "attribute_exists(pk)", {":none": ""}) is not None:
                counts["rewards_kept"] += 1
        return dict(counts)

    def _existing(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The items among ``keys`` that exist, read consistently."""
        return {(i["pk"]["S"], i["sk"]["S"]): i for i in self._batch_get_keys(keys, consistent=True)}
