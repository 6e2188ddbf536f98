"""A clinic's review platforms: the known types, the hosts each may link to, and their validation."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from functions.clinics.ids import SLUG

PLATFORM_TYPES = ("yandex_maps", "2gis", "prodoctorov", "google", "custom")
# A known platform's page must be on that platform's own hosts (or a subdomain); ``custom`` may be anywhere.
PLATFORM_HOSTS = {
    "yandex_maps": ("yandex.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.uz", "ya.ru"),
    "2gis": ("2gis.ru", "2gis.com", "2gis.kz", "2gis.by", "2gis.ae"),
    "prodoctorov": ("prodoctorov.ru",),
    "google": ("google.com", "google.ru", "g.page", "goo.gl"),
}


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
        if not _https_url(url):
            problems.append(f"{where}.url: must be an https:// address")
        elif not on_platform_host(ptype, url):
            problems.append(f"{where}.url: not an address of {ptype} ({', '.join(PLATFORM_HOSTS[ptype])})")
        result.append(Platform(pid, ptype, name, url, weight, share))
    return tuple(result)


def on_platform_host(ptype: str, url: str) -> bool:
    hosts = PLATFORM_HOSTS.get(ptype)
    host = (urlsplit(url).hostname or "").lower()
    return hosts is None or any(host == h or host.endswith("." + h) for h in hosts)


def _https_url(url: str) -> bool:
    if len(url) > 2000 or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and "." in (parts.hostname or "")
