"""A clinic's review platforms: the known types, the hosts each may link to, and their validation.

A platform's address is read the way the patient's browser will read it (the WHATWG URL standard,
through ada, the parser Node.js uses): ``https://evil.com\\@yandex.ru/`` is evil.com to a browser,
though Python's urlsplit sees yandex.ru after the backslash. What is stored and redirected to is the
browser's own reading of it, so the address checked is the address the patient is sent to.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.clinics.ids import SLUG

PLATFORM_TYPES = ("yandex_maps", "2gis", "prodoctorov", "google", "custom")
# Each type as the dashboard names it (the button's name by default, the type picker, the problems).
TYPE_NAMES = {"yandex_maps": "Яндекс Карты", "2gis": "2ГИС", "prodoctorov": "ПроДокторов", "google": "Google",
              "custom": "Другая площадка"}
# A known platform's page must be on that platform's own hosts (or a subdomain); ``custom`` may be anywhere.
PLATFORM_HOSTS = {
    "yandex_maps": ("yandex.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.uz", "ya.ru"),
    "2gis": ("2gis.ru", "2gis.com", "2gis.kz", "2gis.by", "2gis.ae"),
    "prodoctorov": ("prodoctorov.ru",),
    "google": ("google.com", "google.ru", "g.page", "goo.gl"),
}

# What a known platform's review page looks like (the settings page says when a link does not: a clinic's home
# page on the platform makes the patient hunt for the review form, and many give up).
REVIEW_SHAPES = {
    "yandex_maps": r"/maps/org/(?:[^/]+/)?\d+/reviews",
    "2gis": r"/firm/\d+/tab/reviews",
    "prodoctorov": r"/lpu/[^/]+/otzivi",
    "google": r"writereview\?placeid=|^https://g\.page/",
}


def looks_like_reviews(ptype: str, url: str) -> bool | None:
    """Whether a known platform's link looks like its review page; None for a type we know no shape of."""
    import re

    shape = REVIEW_SHAPES.get(ptype)
    return None if shape is None else re.search(shape, url) is not None


@dataclass(frozen=True)
class Platform:
    id: str
    type: str
    name: str
    url: str
    weight: int = 1  # for the rotation rule
    target_share: int | None = None  # percent, for the needs_most rule


def parse_platforms(value: object, problems: list[str]) -> tuple[Platform, ...]:
    if not isinstance(value, list) or not value:
        problems.append("platforms: a list with at least one review platform")
        return ()
    shares = [i.get("target_share") for i in value if isinstance(i, dict) and isinstance(i.get("target_share"), int)]
    if sum(shares) > 100:
        problems.append("platforms: target shares add up to more than 100%")
    result: list[Platform] = []
    for n, item in enumerate(value):
        where = f"platforms[{n}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: an object with id, type, name and url")
            continue
        pid, ptype = str(item.get("id", "")), str(item.get("type", "custom"))
        weight, share = item.get("weight", 1), item.get("target_share")
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            problems.append(f"{where}.weight: a whole number from 0 to 100")
            weight = 1
        if share is not None and (not isinstance(share, int) or isinstance(share, bool) or not 0 <= share <= 100):
            problems.append(f"{where}.target_share: a whole percent from 0 to 100")
            share = None
        name, url = str(item.get("name", "")).strip(), str(item.get("url", "")).strip()
        if not SLUG.match(pid):
            problems.append(f"{where}.id: lowercase letters, digits and dashes")
        elif any(p.id == pid for p in result):
            problems.append(f"{where}.id: {pid!r} appears twice")
        if ptype not in PLATFORM_TYPES:
            problems.append(f"{where}.type: one of {', '.join(PLATFORM_TYPES)}")
        if not name or len(name) > 40:
            problems.append(f"{where}.name: 1 to 40 characters")
        href, problem = read_url(url, ptype)
        if problem:
            problems.append(f"{where}.url: {problem}")
        twin = next((p for p in result if href and p.url == href), None)
        if twin is not None:  # two buttons to one page: the patient sees the same platform twice
            problems.append(f"{where}.url: appears twice: {twin.name}")
        result.append(Platform(pid, ptype, name, href or url, weight, share))
    return tuple(result)


def read_url(url: str, ptype: str) -> tuple[str | None, str]:
    """The address as the browser will open it, or None and what is wrong with it."""
    from ada_url import URL, HostType

    if not url or len(url) > 2000 or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None, "must be an https:// address"
    try:
        parsed = URL(url)
    except ValueError:
        return None, "must be an https:// address"
    if parsed.protocol != "https:":
        return None, "must be an https:// address"
    if parsed.username or parsed.password:
        return None, "a name or password before the host (user@host) is not allowed"
    if parsed.host_type != HostType.DEFAULT:
        return None, "a review platform's address has a host name, not an IP address"
    host = parsed.hostname.rstrip(".")
    if "." not in host:
        return None, "must be an https:// address"
    hosts = PLATFORM_HOSTS.get(ptype)
    if hosts is not None:
        if not any(host == h or host.endswith("." + h) for h in hosts):
            return None, f"not an address of {ptype} ({', '.join(hosts)})"
        if parsed.port:
            return None, f"port {parsed.port} is not where {ptype} serves its pages"
    return parsed.href, ""
