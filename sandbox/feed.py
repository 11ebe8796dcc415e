"""A sample RSS 2.0 feed the sandbox serves at /feeds/sample.xml, so that feed polling can be
seen offline: a new headline every `interval` seconds from the moment the sandbox started,
the latest ten in the feed, with ETag and Last-Modified for conditional GETs (304).

Headlines are regional news of Chernihiv oblast, made up for the demo and numbered, so each is
new to a reader of the feed.
"""

from __future__ import annotations

import time
from email.utils import formatdate, parsedate_to_datetime
from xml.sax.saxutils import escape

from aiohttp import web

SAMPLE_FEED_PATH = "/feeds/sample.xml"
FEED_ITEMS = 10  # the latest this many are in the feed

_HEADLINES = (
    (
        "У Чернігові відремонтують ще дві зупинки громадського транспорту",
        "Роботи почнуть наступного тижня, рух тролейбусів не зупинять.",
    ),
    (
        "Ніжинська громада отримала новий шкільний автобус",
        "Автобус возитиме дітей із трьох сіл до опорної школи.",
    ),
    (
        "На Чернігівщині відкрили ще один пункт незламності",
        "Пункт працюватиме цілодобово, там є генератор і зв’язок.",
    ),
    (
        "Прилуцька лікарня отримала сучасний апарат УЗД",
        "Обладнання передали в межах програми підтримки громад.",
    ),
    (
        "У Чернігові стартує реєстрація на безкоштовні курси цифрової грамотності",
        "Заняття для людей старшого віку проводитимуть у бібліотеках міста.",
    ),
    (
        "Новгород-Сіверський запрошує на фестиваль народних ремесел",
        "Майстри покажуть гончарство, ткацтво й різьблення.",
    ),
    (
        "На трасі Чернігів — Ніжин завершили ямковий ремонт",
        "Дорожники відремонтували понад 12 кілометрів покриття.",
    ),
    (
        "Чернігівські волонтери передали громадам 40 генераторів",
        "Техніку отримали лікарні, школи та центри надання адмінпослуг.",
    ),
)


class SampleFeed:
    """The feed's items are a function of time: item n appears at `started + n × interval`."""

    def __init__(self, interval: float, base_url: str = "", started: float | None = None) -> None:
        if interval <= 0:
            raise ValueError("the sample feed's interval must be positive")
        self.interval = interval
        self.base_url = base_url
        self.started = time.time() if started is None else started

    def newest(self, now: float | None = None) -> int:
        """The number of the newest item (the first one, 0, is there from the start)."""
        elapsed = (time.time() if now is None else now) - self.started
        return max(0, int(elapsed // self.interval))

    def published_at(self, number: int) -> float:
        return self.started + number * self.interval

    def item(self, number: int) -> tuple[str, str, str]:
        """(title, description, link) of item `number`."""
        title, description = _HEADLINES[number % len(_HEADLINES)]
        return (
            f"{title} (№ {number + 1})",
            description,
            f"{self.base_url}/feeds/sample/{number + 1}",
        )

    def xml(self, now: float | None = None) -> str:
        newest = self.newest(now)
        entries = []
        for number in range(newest, max(-1, newest - FEED_ITEMS), -1):
            title, description, link = self.item(number)
            entries.append(
                "<item>"
                f"<title>{escape(title)}</title>"
                f"<link>{escape(link)}</link>"
                f'<guid isPermaLink="true">{escape(link)}</guid>'
                f"<pubDate>{formatdate(self.published_at(number), usegmt=True)}</pubDate>"
                f"<description>{escape(description)}</description>"
                "</item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0"><channel>'
            "<title>Вісник: зразкова стрічка новин Чернігівщини</title>"
            f"<link>{escape(self.base_url)}/feeds/sample.xml</link>"
            "<description>Вигадані новини для офлайн-демо</description>"
            "<language>uk</language>" + "".join(entries) + "</channel></rss>\n"
        )

    async def serve(self, request: web.Request) -> web.Response:
        newest = self.newest()
        etag = f'"sample-{newest}"'
        modified = int(self.published_at(newest))
        headers = {
            "ETag": etag,
            "Last-Modified": formatdate(modified, usegmt=True),
            "Cache-Control": "no-cache",
        }
        if _not_modified(request, etag, modified):
            return web.Response(status=304, headers=headers)
        return web.Response(
            text=self.xml(),
            content_type="application/rss+xml",
            charset="utf-8",
            headers=headers,
        )


def _not_modified(request: web.Request, etag: str, modified: int) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in (tag.strip() for tag in match.split(",")) or match.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since).timestamp() >= modified
    except (TypeError, ValueError):
        return False
