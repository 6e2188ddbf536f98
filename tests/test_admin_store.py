"""The dashboard's store contract, on both backends: members, one-time marks, rate limits, audit, counters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from functions.store import Store
from functions.store.records import AuditEntry
from tests.conftest import NOW


def test_members_are_listed_both_ways(store: Store) -> None:
    store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    store.put_member("c1", "dir@clinic.ru", "director", NOW)
    store.put_member("c2", "owner@clinic.ru", "director", NOW)
    assert store.memberships("owner@clinic.ru") == {"c1": "owner", "c2": "director"}
    assert store.members("c1") == {"dir@clinic.ru": "director", "owner@clinic.ru": "owner"}
    store.put_member("c1", "dir@clinic.ru", "owner", NOW)
    assert store.members("c1")["dir@clinic.ru"] == "owner"
    assert store.remove_member("c1", "dir@clinic.ru") is True and store.remove_member("c1", "dir@clinic.ru") is False
    assert store.memberships("dir@clinic.ru") == {} and store.memberships("nobody@x.ru") == {}


def test_the_last_sign_in_is_kept_per_member(store: Store) -> None:
    store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    store.put_member("c1", "dir@clinic.ru", "director", NOW)
    store.put_member("c2", "dir@clinic.ru", "director", NOW)
    store.record_sign_in("dir@clinic.ru", NOW)
    store.record_sign_in("dir@clinic.ru", NOW + timedelta(hours=1))
    store.put_member("c1", "dir@clinic.ru", "owner", NOW)  # a new role keeps it
    assert store.member_sign_ins("c1") == {"dir@clinic.ru": NOW + timedelta(hours=1)}
    assert store.member_sign_ins("c2") == {"dir@clinic.ru": NOW + timedelta(hours=1)}
    assert store.members("c1")["dir@clinic.ru"] == "owner" and store.member_sign_ins("c3") == {}


def test_ending_sessions_moves_the_members_version_on(store: Store) -> None:
    assert store.session_version("owner@clinic.ru") == 0
    assert store.end_sessions("owner@clinic.ru") == 1
    assert store.end_sessions("owner@clinic.ru") == 2
    assert store.session_version("owner@clinic.ru") == 2
    assert store.session_version("dir@clinic.ru") == 0  # another member's sessions go on
    store.put_member("c1", "owner@clinic.ru", "owner", NOW)
    assert store.memberships("owner@clinic.ru") == {"c1": "owner"}  # the version is no membership
    with ThreadPoolExecutor(8) as pool:
        versions = list(pool.map(lambda _: store.end_sessions("dir@clinic.ru"), range(8)))
    assert sorted(versions) == list(range(1, 9))


def test_a_mark_is_taken_once_even_by_racing_callers(store: Store) -> None:
    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: store.mark_once("signin", "n1", NOW, NOW + timedelta(minutes=15)), range(8)))
    assert taken.count(True) == 1
    assert store.mark_once("signin", "n2", NOW, NOW + timedelta(minutes=15)) is True
    assert store.mark_once("digest", "n1", NOW, NOW + timedelta(days=30)) is True  # scopes are apart


def test_hits_stop_at_the_limit_per_period(store: Store) -> None:
    assert [store.count_hit("signin:a@b.ru", "2026-11-23T09:00", 3) for _ in range(5)] == [True] * 3 + [False] * 2
    assert store.count_hit("signin:a@b.ru", "2026-11-23T09:15", 3) is True
    assert store.count_hit("signin:c@d.ru", "2026-11-23T09:00", 3) is True


def test_the_audit_lists_newest_first(store: Store) -> None:
    for n in range(3):
        store.add_audit(AuditEntry(clinic_id="c1", entry_id=f"{(NOW + timedelta(minutes=n)).isoformat()}-{n}",
                                   at=NOW + timedelta(minutes=n), who="owner@clinic.ru", what=f"change {n}",
                                   before="{}", after='{"threshold": 5}'))
    entries = store.list_audit("c1", 2)
    assert [e.what for e in entries] == ["change 2", "change 1"] and entries[0].at == NOW + timedelta(minutes=2)
    assert store.list_audit("c2", 10) == []


def test_counters_add_up_per_day_and_dimension(store: Store) -> None:
    doctor = "doctor:Иванов И. И."
    store.bump_stats("c1", "2026-11-23", {"all": {"invited": 1}, doctor: {"invited": 1}})
    store.bump_stats("c1", "2026-11-23", {"all": {"invited": 1, "score5": 1}, doctor: {"invited": 1, "score5": 1}})
    store.bump_stats("c1", "2026-11-24", {"all": {"complaints": 1}, "branch:Центр": {"complaints": 1}})
    store.bump_stats("c1", "2026-11-30", {"all": {"visits": 1}})
    store.bump_stats("c2", "2026-11-23", {"all": {"visits": 9}})
    many = {f"doctor:Врач {n}": {"visits": 1, "answered": 1} for n in range(120)}  # more than one update's worth
    store.bump_stats("c3", "2026-11-23", many)
    found = store.read_stats("c1", "2026-11-23", "2026-11-24")
    assert found == {("2026-11-23", "all"): {"invited": 2, "score5": 1},
                     ("2026-11-23", "doctor:Иванов И. И."): {"invited": 2, "score5": 1},
                     ("2026-11-24", "all"): {"complaints": 1}, ("2026-11-24", "branch:Центр"): {"complaints": 1}}
    spread = store.read_stats("c3", "2026-11-23", "2026-11-23")
    assert len(spread) == 120 and spread[("2026-11-23", "doctor:Врач 119")] == {"visits": 1, "answered": 1}
