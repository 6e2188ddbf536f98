"""The members page: an owner gives a director or another owner access by email, changes a role, removes one
(whose sessions end at once), sees who last signed in when; every change is audited; a clinic keeps an owner."""

from __future__ import annotations

import re

from tests.admin_helpers import csrf_of, sign_in
from tests.conftest import NOW


def change(client, **data: str):
    return client.post("/admin/c/c1/members", data={"csrf": csrf_of(client, "/admin/c/c1/members"), **data})


def test_an_owner_adds_changes_and_removes_members_and_the_audit_keeps_it(client, app, owner, outbox) -> None:
    assert change(client, action="add", email=" Dir@Clinic.RU ", role="director").headers["Location"].endswith(
        "done=added")
    assert owner.store.members("c1") == {"dir@clinic.ru": "director", "owner@clinic.ru": "owner"}
    page = client.get("/admin/c/c1/members").get_data(as_text=True)
    assert re.search(r"входил\(а\) \d{1,2} [а-я]+ 20\d\d, \d\d:\d\d", page)  # the owner, just now
    assert "ещё не входил(а)" in page  # the director, not yet

    other = app.test_client()  # the new director signs in on their own device
    sign_in(other, outbox, "dir@clinic.ru")
    assert other.get("/admin/c/c1/cases").status_code == 200
    assert change(client, action="add", email="dir@clinic.ru", role="owner").headers["Location"].endswith("done=role")
    assert change(client, action="remove", email="dir@clinic.ru").headers["Location"].endswith("done=removed")
    assert other.get("/admin/c/c1/cases").status_code == 303  # their session ended with the access
    assert sorted(e.what for e in owner.store.list_audit("c1", 10)) == ["members: add", "members: remove",
                                                                        "members: role"]


def test_bad_addresses_and_the_last_owner_are_refused(client, owner) -> None:
    bad = change(client, action="add", email="не почта", role="director")
    assert bad.status_code == 400 and "Проверьте адрес почты" in bad.get_data(as_text=True)
    assert change(client, action="remove", email="owner@clinic.ru").status_code == 409
    assert change(client, action="add", email="owner@clinic.ru", role="director").status_code == 409
    assert change(client, action="add", email="x@clinic.ru", role="admin").status_code == 400
    assert owner.store.members("c1") == {"owner@clinic.ru": "owner"} and owner.store.list_audit("c1", 5) == []


def test_a_director_cannot_manage_members(client, owner, app, outbox) -> None:
    owner.store.put_member("c1", "dir@clinic.ru", "director", NOW)
    director = app.test_client()
    sign_in(director, outbox, "dir@clinic.ru")
    assert director.get("/admin/c/c1/members").status_code == 403
