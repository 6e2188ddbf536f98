"""Signing in to the dashboard in tests the way a person does: ask for the link, open it from the outbox."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r"(https?://\S+/admin/signin/[A-Za-z0-9_.-]+)")


def csrf_of(client, path: str = "/admin/signin") -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no form token on {path}"
    return found.group(1)


def last_link(outbox) -> str:
    email = outbox.messages("email")[0]
    found = LINK.search(email["text"])
    assert found, email["text"]
    return found.group(1)


def sign_in(client, outbox, email: str) -> None:
    answer = client.post("/admin/signin", data={"email": email, "csrf": csrf_of(client)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    path = "/admin/signin/" + last_link(outbox).rsplit("/admin/signin/", 1)[1]
    used = client.post(path, data={"csrf": csrf_of(client, path)})
    assert used.status_code == 303 and used.headers["Location"] == "/admin/"


def browser_sign_in(page, base: str, outbox, email: str) -> None:
    """In a real browser, as a person does it: ask for the link, open it from the outbox, press «Войти»."""
    page.goto(f"{base}/admin/")
    page.get_by_label("Рабочая почта").fill(email)
    page.get_by_role("button", name="Прислать ссылку для входа").click()
    page.get_by_text("Проверьте почту").wait_for()
    page.goto(base + "/admin/signin/" + last_link(outbox).rsplit("/admin/signin/", 1)[1])
    page.get_by_role("button", name="Войти").click()


def sign_in_in_browser(page, base: str, outbox) -> None:
    """The test clinic's owner signs in, and the clinic's page is up."""
    browser_sign_in(page, base, outbox, "owner@clinic.ru")
    page.get_by_role("heading", name="Клиника Тест").wait_for()

