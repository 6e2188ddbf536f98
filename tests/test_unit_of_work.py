"""A unit of work: one patient request's writes together, its side effects after them — on both backends,
and on SQLite one transaction (one commit) for the whole unit and for one event's counters."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from functions.store import Case, Invite, Store
from tests.conftest import NOW


def invite(token: str = "tok1") -> Invite:
    return Invite(token=token, clinic_id="c1", visit_id="v1", created_at=NOW, expires_at=NOW + timedelta(days=14))


def case(case_id: str = "v1") -> Case:
    return Case(clinic_id="c1", case_id=case_id, visit_id="v1", score=2, text="", created_at=NOW, kind="unclear")


def test_writes_inside_a_unit_are_there_after_it(store: Store) -> None:
    store.put_invite(invite())
    with store.atomic():
        assert store.mark_opened("tok1", NOW) is True
        assert store.record_rating("tok1", 2, NOW) is True
        assert store.record_rating("tok1", 5, NOW) is False  # claims still answer at once inside a unit
        assert store.create_case(case()) is True
        with store.atomic():  # a nested unit joins the outer one
            store.bump_stats("c1", "2026-11-23",
                             {"all": {"answered": 1, "score2": 1}, "doctor:Иванов": {"answered": 1}})
        store.bump_stats("c1", "2026-11-23", {"all": {"opened": 1}})
    found = store.get_invite("tok1")
    assert (found.opened_at, found.score) == (NOW, 2)
    assert store.get_case("c1", "v1") is not None
    assert store.read_stats("c1", "2026-11-23", "2026-11-23") == {
        ("2026-11-23", "all"): {"answered": 1, "score2": 1, "opened": 1},
        ("2026-11-23", "doctor:Иванов"): {"answered": 1}}


def test_side_effects_wait_for_the_outermost_unit(store: Store) -> None:
    done: list[str] = []
    store.after_commit(lambda: done.append("outside"))
    assert done == ["outside"]  # no unit open: at once
    with store.atomic():
        store.after_commit(lambda: done.append("outer"))
        with store.atomic():
            store.after_commit(lambda: done.append("inner"))
        assert done == ["outside"]  # the inner unit's end is not the request's end
    assert done == ["outside", "outer", "inner"]


def test_no_side_effect_after_a_failed_unit(store: Store) -> None:
    done: list[str] = []
    with pytest.raises(RuntimeError), store.atomic():
        store.put_invite(invite())
        store.after_commit(lambda: done.append("email"))
        raise RuntimeError("the request broke")
    assert done == []


def test_each_thread_has_its_own_unit(store: Store) -> None:
    import threading

    done: list[str] = []
    with store.atomic():
        store.after_commit(lambda: done.append("held"))
        other = threading.Thread(target=lambda: store.after_commit(lambda: done.append("other thread")))
        other.start()
        other.join()
        assert done == ["other thread"]
    assert done == ["other thread", "held"]


def sqlite_statements(store) -> list[str]:
    seen: list[str] = []
    store._db.set_trace_callback(seen.append)
    return seen


def test_sqlite_a_failed_unit_leaves_nothing_behind(settings) -> None:
    from functions.store.sqlite import SqliteStore

    store = SqliteStore(settings.sqlite_path)
    with pytest.raises(RuntimeError), store.atomic():
        store.put_invite(invite())
        store.bump_stats("c1", "2026-11-23", {"all": {"answered": 1}})
        raise RuntimeError("the request broke")
    assert store.get_invite("tok1") is None and store.read_stats("c1", "2026-11-23", "2026-11-23") == {}


def test_sqlite_a_failed_inner_part_undoes_only_itself(settings) -> None:
    from functions.store.sqlite import SqliteStore

    store = SqliteStore(settings.sqlite_path)
    with store.atomic():
        store.put_invite(invite("tok1"))
        with pytest.raises(RuntimeError), store.atomic():
            store.put_invite(invite("tok2"))
            raise RuntimeError("one step failed and was handled")
        store.put_invite(invite("tok3"))
    assert [store.get_invite(t) is not None for t in ("tok1", "tok2", "tok3")] == [True, False, True]


def test_sqlite_one_unit_is_one_commit(settings) -> None:
    from functions.store.sqlite import SqliteStore

    store = SqliteStore(settings.sqlite_path)
    store.put_invite(invite())
    seen = sqlite_statements(store)
    with store.atomic():
        store.mark_opened("tok1", NOW)
        store.record_rating("tok1", 4, NOW)
        store.bump_stats("c1", "2026-11-23", {"all": {"answered": 1}, "doctor:Иванов": {"answered": 1}})
    assert [s for s in seen if s in ("BEGIN IMMEDIATE", "COMMIT")] == ["BEGIN IMMEDIATE", "COMMIT"]


def test_sqlite_one_events_counters_are_one_commit(settings) -> None:
    from functions.store.sqlite import SqliteStore

    store = SqliteStore(settings.sqlite_path)
    seen = sqlite_statements(store)
    store.bump_stats("c1", "2026-11-23", {"all": {"answered": 1}, "doctor:Иванов": {"answered": 1},
                                          "branch:Центр": {"answered": 1}})
    assert [s for s in seen if s in ("BEGIN IMMEDIATE", "COMMIT")] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert len(store.read_stats("c1", "2026-11-23", "2026-11-23")) == 3


def test_dynamodb_a_units_counters_are_one_write_per_day(aws_env, settings) -> None:
    from tests.conftest import _dynamo_store

    store = _dynamo_store(settings)
    calls: Counter[str] = Counter()
    store.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
    with store.atomic():
        store.bump_stats("c1", "2026-11-23", {"all": {"opened": 1}, "doctor:Иванов": {"opened": 1}})
        store.bump_stats("c1", "2026-11-23", {"all": {"answered": 1}, "doctor:Иванов": {"answered": 1}})
        assert calls["UpdateItem"] == 0  # merged, written when the unit ends
    assert calls["UpdateItem"] == 1
    assert store.read_stats("c1", "2026-11-23", "2026-11-23")[("2026-11-23", "all")] == {"opened": 1, "answered": 1}


def test_dynamodb_counts_of_writes_that_stood_are_kept_when_a_later_step_fails(aws_env, settings) -> None:
    from tests.conftest import _dynamo_store

    store = _dynamo_store(settings)
    with pytest.raises(RuntimeError), store.atomic():
        store.put_invite(invite())  # DynamoDB has no rollback: this write stands, and so does its count
        store.bump_stats("c1", "2026-11-23", {"all": {"invited": 1}})
        raise RuntimeError("a later step broke")
    assert store.get_invite("tok1") is not None
    assert store.read_stats("c1", "2026-11-23", "2026-11-23") == {("2026-11-23", "all"): {"invited": 1}}
