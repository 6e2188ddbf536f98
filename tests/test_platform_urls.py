"""Review-platform addresses are read as the patient's browser reads them (WHATWG): a known platform's
address must really be on its hosts, nobody's name or password rides along, and what is stored and
redirected to is the browser's own reading."""

from __future__ import annotations

import pytest

from functions.clinics.clinic import ClinicError, parse_clinic


def with_url(clinic_doc: dict, url: str, ptype: str = "yandex_maps") -> dict:
    return {**clinic_doc, "platforms": [{"id": "p", "type": ptype, "name": "Отзывы", "url": url}]}


@pytest.mark.parametrize("url,problem", [
    ("https://evil.com\\@yandex.ru/", "not an address of yandex_maps"),  # urlsplit read yandex.ru here
    ("https://evil.com\\.yandex.ru/", "not an address of yandex_maps"),
    ("https://evil.com#@yandex.ru/", "not an address of yandex_maps"),
    ("https://evil.com?@yandex.ru/", "not an address of yandex_maps"),
    ("https://yandex.ru@evil.com/", "user@host"),
    ("https://yandex.ru:pw@evil.com/", "user@host"),
    ("https://user@yandex.ru/maps/org/1/reviews/", "user@host"),
    ("https://evil.com%2F@yandex.ru/", "user@host"),
    ("https://y\u0430ndex.ru/maps/", "not an address of yandex_maps"),  # a Cyrillic а: xn--yndex-4ve.ru
    ("https://yandex.ru.evil.com/", "not an address of yandex_maps"),
    ("https://evilyandex.ru/", "not an address of yandex_maps"),
    ("https://yandex.ru:8443/maps/", "port 8443"),
    ("https://0x7f.1/", "IP address"),
    ("https://[::1]/", "IP address"),
    ("https://2130706433/", "IP address"),
    ("http://yandex.ru/maps/", "https://"),
    ("javascript:alert(1)//yandex.ru", "https://"),
    ("data:text/html,<script>alert(1)</script>", "https://"),
    ("https://yandex.ru/maps/\norg", "https://"),
    ("https://yandex.ru/maps/\torg", "https://"),
    ("https://yandex.ru/\x00", "https://"),
    ("https://", "https://"),
    ("https://localhost/", "https://"),
    ("https://yandex.ru" + "/a" * 1000, "https://"),
    ("//yandex.ru/maps/", "https://"),
])
def test_a_hostile_platform_address_is_refused_with_the_reason(clinic_doc, url, problem) -> None:
    with pytest.raises(ClinicError) as err:
        parse_clinic(with_url(clinic_doc, url))
    assert any(p.startswith("platforms[0].url:") and problem in p for p in err.value.problems), err.value.problems


@pytest.mark.parametrize("url,stored", [
    ("https://yandex.ru/maps/org/1124715036/reviews/", "https://yandex.ru/maps/org/1124715036/reviews/"),
    ("https://YANDEX.RU:443/maps/org/1/reviews/", "https://yandex.ru/maps/org/1/reviews/"),
    ("https://yandex.ru\\maps\\org\\1\\reviews\\", "https://yandex.ru/maps/org/1/reviews/"),
    ("https://yandex%2Eru/maps/", "https://yandex.ru/maps/"),
    ("https://yandex.ru./maps/", "https://yandex.ru./maps/"),
    ("https://m.yandex.kz/maps/org/1/", "https://m.yandex.kz/maps/org/1/"),
])
def test_what_the_browser_opens_is_what_is_stored(clinic_doc, url, stored) -> None:
    assert parse_clinic(with_url(clinic_doc, url)).platforms[0].url == stored


def test_a_custom_platform_may_be_anywhere_named_even_in_cyrillic(clinic_doc) -> None:
    clinic = parse_clinic(with_url(clinic_doc, "https://клиника.рф/отзывы?from=sms", "custom"))
    assert clinic.platforms[0].url == "https://xn--80apagcdp.xn--p1ai/%D0%BE%D1%82%D0%B7%D1%8B%D0%B2%D1%8B?from=sms"
    assert parse_clinic(with_url(clinic_doc, "https://reviews.example:8443/c1", "custom")).platforms[0].url == (
        "https://reviews.example:8443/c1")
    with pytest.raises(ClinicError, match="user@host"):
        parse_clinic(with_url(clinic_doc, "https://a:b@reviews.example/", "custom"))


def test_the_redirect_goes_where_the_browser_reading_says(client, services, clinic_doc) -> None:
    from functions.clinics.clinic import save_clinic
    from functions.invites.dispatch import send_due_invites
    from functions.visits.intake import import_rows
    from tests.conftest import NOW, visit_row

    doc = with_url(clinic_doc, "https://yandex.ru\\maps\\org\\1\\reviews\\")
    save_clinic(services.store, doc, NOW)
    import_rows(services.store, parse_clinic(doc), [(2, visit_row(1))], 14)
    send_due_invites(services, NOW)
    token = services.store.get_visit("c1", "v1").invite_token
    client.post(f"/api/v1/invites/{token}/rating", json={"score": 5})
    answer = client.get(f"/r/{token}/p")
    assert (answer.status_code, answer.headers["Location"]) == (302, "https://yandex.ru/maps/org/1/reviews/")
