"""/search over 1,000,000 items, against /latest in the same run.

The store holds a million headlines made of real Ukrainian words: the commonest words of
regional news first, then tens of thousands of words from pymorphy3's Ukrainian dictionary,
drawn with a Zipf-like spread (the k-th commonest word about 1/k as often as the first) and
each in any of its inflected forms («дорога», «доріг», «дорогами»), with place names in their
case forms («у Києві», «Чернігова»). A seeded generator makes the same store on every run.

The bot is the production one (bot.factory) over that store, with the Bot API sandbox in this
process; a user sends a command and the clock stops when the answer is in the sandbox. One
command at a time, from a new user each time (so that no per-chat cache answers for the
database), for:

- /latest (the baseline);
- /search with a common word, a rare word, and two words;

printing the median and the 99th percentile of each, and the ratio of each search's p99 to
/latest's (target <= 5). Then a /latest sent while a search of the common word is running:
how much longer it takes than /latest alone (target <= 20 ms), since one aiosqlite thread
serves both: at the database (the read /latest makes, while a search runs on the same
connection) and through the bot (where the event loop, and the sandbox in this process, are
shared too). The database time of each search alone is printed too.

    python bench/search.py [--items 1000000] [--repeats 200]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.factory import build_bot, build_dispatcher, freeze_startup_objects, open_storage, poll  # noqa: E402
from domain.regions import REGIONS, aliases  # noqa: E402
from domain.search import parse_search, query_groups  # noqa: E402
from infra.pacing import PaceLimits, Pacer  # noqa: E402
from infra.settings import Settings  # noqa: E402
from sandbox import SANDBOX_TOKEN, BotAPISandbox, RateLimits  # noqa: E402
from storage.db import Database, load_migrations  # noqa: E402
from storage.lemmas import _analyzer  # noqa: E402
from storage.repositories import RegionsRepo, Storage  # noqa: E402

SEED = 11
LEMMA_INDEX = 12  # the migration that builds the lemma index
UNPACED = PaceLimits(rate=100_000, chat_interval=0.0, group_interval=0.0)
SEARCH_TARGET = 5.0  # search p99 <= 5 x /latest p99
DELAY_TARGET = 0.020  # seconds a concurrent /latest may wait behind a search

# The commonest words of regional news, commonest first (dictionary forms: each is used in
# any of its inflected forms).
_NEWS_TEXT = """
громада область рада район місто україна війна ремонт дорога бюджет податок школа лікарня
голова адміністрація депутат сесія рішення проєкт програма допомога вода газ світло тариф ціна
гривня мільйон тисяча робота підприємство завод поліція суд прокуратура військовий обстріл
укриття тривога енергетика відключення графік зима опалення котельня мешканець житель ветеран
дитина учень студент вчитель лікар пенсія виплата субсидія конкурс фестиваль виставка концерт
музей театр бібліотека спорт футбол турнір чемпіонат перемога зустріч нарада засідання
звернення заява звіт перевірка аудит закупівля тендер будівництво реконструкція міст вулиця
площа парк сквер автобус маршрут транспорт вокзал залізниця аеропорт кордон митниця
гуманітарний волонтер фонд грант інвестиція економіка бізнес підприємець фермер урожай зерно
пшениця кукурудза соняшник погода дощ сніг мороз спека повінь пожежа рятувальник аварія дтп
водій пішохід вибори кандидат партія закон уряд міністерство президент парламент постанова
освіта університет коледж садочок ліцей гімназія екзамен олімпіада нагорода культура мистецтво
історія пам'ять пам'ятник меморіал церква свято день тиждень рік місяць новий великий обласний
міський сільський державний національний перший другий важливий головний громадський місцевий
регіональний український
"""
NEWS_WORDS = tuple(_NEWS_TEXT.split())

PREPOSITIONS = ("у", "в", "на", "до", "з", "для", "про", "після", "через", "біля")
PLACES = tuple(
    alias
    for region in REGIONS
    if not region.is_national
    for alias in aliases(region.code)[4:]
    if alias.isalpha() and any("а" <= ch <= "я" or ch in "іїєґ" for ch in alias)
)


def vocabulary(size: int) -> list[list[str]]:
    """`size` words commonest first, each as the list of its forms (the first the lemma)."""
    analyzer = _analyzer()
    lemmas: dict[str, None] = dict.fromkeys(NEWS_WORDS)
    rng = random.Random(SEED)
    prefixes = [a + b for a in "абвгдзкмнопрстухчш" for b in "аеиоуіля"]
    rng.shuffle(prefixes)
    for prefix in prefixes:
        if len(lemmas) >= size:
            break
        for seen, parse in enumerate(analyzer.iter_known_word_parses(prefix), start=1):
            if parse.normal_form == parse.word and len(parse.word) > 3 and rng.random() < 0.3:
                lemmas.setdefault(parse.word)
            if seen > 10_000 or len(lemmas) >= size:
                break
    words: list[list[str]] = []
    for lemma in lemmas:
        parse = analyzer.parse(lemma)[0]
        forms = list(dict.fromkeys([lemma, *(form.word for form in parse.lexeme)]))
        words.append(forms[:16])
    return words


def headlines(count: int, words: Sequence[Sequence[str]]) -> list[str]:
    """`count` headlines of 5 to 11 words drawn Zipf-like from `words`, a place in a third."""
    rng = random.Random(SEED)
    weights = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))
    total = weights[-1]
    titles = []
    for _ in range(count):
        length = rng.randint(5, 11)
        picks = [bisect.bisect_left(weights, rng.random() * total) for _ in range(length)]
        sentence = [rng.choice(words[min(pick, len(words) - 1)]) for pick in picks]
        if rng.random() < 0.33:
            sentence.insert(rng.randrange(len(sentence)), rng.choice(PREPOSITIONS))
            sentence.insert(rng.randrange(len(sentence)), rng.choice(PLACES).capitalize())
        sentence[0] = sentence[0].capitalize()
        titles.append(" ".join(sentence))
    return titles


async def build(path: Path, titles: Sequence[str]) -> tuple[float, float]:
    """A store of `titles` made the way a store of old items is upgraded: the items inserted
    in one transaction under the schema before the lemma index, then migration 0012 indexes
    them all at once (inserting through the index's triggers a row at a time takes minutes).
    Returns the seconds each step took."""
    rng = random.Random(SEED)
    codes = [region.code for region in REGIONS]
    start = 1_700_000_000
    rows = [
        (rng.choice(codes), title, start + n * 30, start + n * 30)
        for n, title in enumerate(titles)
    ]
    migrations = load_migrations()
    before_index = tuple(m for m in migrations if m.version < LEMMA_INDEX)
    db = await Database.open(path, migrate=False)
    try:
        await db.migrate(before_index)
        await RegionsRepo(db).sync((r.code, r.name_uk, r.name_en) for r in REGIONS)
        began = time.perf_counter()
        async with db.transaction() as connection:
            await connection.executemany(
                "INSERT INTO items (region_code, title, published_at, created_at) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
        stored = time.perf_counter()
        await db.migrate(migrations)
        return stored - began, time.perf_counter() - stored
    finally:
        await db.close()


def quantiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


class Driver:
    """Sends commands as new users and times the answers."""

    def __init__(self, sandbox: BotAPISandbox) -> None:
        self.sandbox = sandbox
        self.users = itertools.count(1_000_000)

    async def timed(self, text: str, *, delay: float = 0.0) -> float:
        if delay:
            await asyncio.sleep(delay)
        user = next(self.users)
        self.sandbox.add_user(user, first_name="Читач", language_code="uk")
        began = time.perf_counter()
        self.sandbox.send_message(user, text, user_id=user)
        await self.sandbox.wait_for(user, 1, timeout=60)
        return time.perf_counter() - began


@contextlib.asynccontextmanager
async def running(settings: Settings, store: Storage) -> AsyncIterator[Driver]:
    async with BotAPISandbox(limits=RateLimits(enabled=False)) as sandbox:
        bot_settings = settings.model_copy(update={"telegram_api_url": sandbox.base_url})
        bot = build_bot(bot_settings, token=SANDBOX_TOKEN, pacer=Pacer(UNPACED))
        dispatcher = build_dispatcher(bot_settings, store)
        polling = asyncio.create_task(
            poll(dispatcher, bot, bot_settings, handle_signals=False, polling_timeout=1)
        )
        try:
            driver = Driver(sandbox)
            await driver.timed("/start")
            freeze_startup_objects()
            yield driver
        finally:
            await dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await dispatcher["feeds"].close()
            await bot.session.close()


async def database_time(store: Storage, text: str, repeats: int) -> tuple[float, float]:
    query = parse_search(text)
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        await store.items.search_page(query_groups(query), 10)
        samples.append(time.perf_counter() - began)
    return quantiles(samples)


async def database_delay(store: Storage, text: str, repeats: int) -> list[float]:
    """How much longer /latest's read of the newest items takes while a search of `text` is
    running on the same connection (its one thread) than alone: the store's cache of the
    newest items is emptied before each read, so that each goes to the database."""
    groups = query_groups(parse_search(text))
    rng = random.Random(SEED)

    async def latest() -> float:
        store.items.invalidate()
        began = time.perf_counter()
        await store.items.latest(100, None)
        return time.perf_counter() - began

    alone = statistics.median([await latest() for _ in range(repeats)])
    search_median = (await database_time(store, text, 20))[0]
    delays = []
    for _ in range(repeats):
        search = asyncio.ensure_future(store.items.search_page(groups, 10))
        await asyncio.sleep(rng.uniform(0, search_median * 0.8))
        delays.append(max(0.0, await latest() - alone))
        await search
    return delays


def pick_queries(words: Sequence[Sequence[str]]) -> dict[str, str]:
    return {
        "common word": words[0][0],
        "rare word": words[len(words) * 2 // 3][0],
        "two words": f"{words[7][0]} {words[8][0]}",
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--words", type=int, default=20_000, help="vocabulary size")
    parser.add_argument("--repeats", type=int, default=200, help="commands of each kind")
    parser.add_argument(
        "--keep", type=Path, help="keep the store in this file, and reuse it when it is there"
    )
    args = parser.parse_args()

    began = time.perf_counter()
    words = vocabulary(args.words)
    titles = headlines(args.items, words)
    generated = time.perf_counter() - began
    queries = pick_queries(words)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_path=args.keep or Path(folder) / "bench.db",
            throttle_burst=10_000,
            throttle_rate=10_000,
        )
        stored = indexed = 0.0
        if args.keep is None or not args.keep.exists():
            stored, indexed = await build(settings.database_path, titles)
        store = await open_storage(settings)
        print(
            f"items: {args.items:,}, vocabulary: {len(words):,} words "
            f"({sum(len(forms) for forms in words):,} forms); generated in {generated:.1f} s, "
            f"stored in {stored:.1f} s, indexed in {indexed:.1f} s"
        )
        for name, text in queries.items():
            hits = (await store.items.search_page(text, 1))[1]
            print(f"  {name:12s} /search {text}  (matches ranked: {hits})")

        print("database time of the search alone (median / p99, ms):")
        for name, text in queries.items():
            median, p99 = await database_time(store, text, args.repeats)
            print(f"  {name:12s} {median * 1000:7.2f} / {p99 * 1000:7.2f}")
        db_delays = await database_delay(store, queries["common word"], args.repeats)

        results: dict[str, tuple[float, float]] = {}
        async with running(settings, store) as driver:
            commands: dict[str, Callable[[], str]] = {"/latest": lambda: "/latest"}
            for name, text in queries.items():
                commands[name] = lambda text=text: f"/search {text}"  # type: ignore[misc]
            for _ in range(20):  # warm up
                for command in commands.values():
                    await driver.timed(command())
            samples: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.repeats):  # interleaved: the machine's noise falls on all
                for name, command in commands.items():
                    samples[name].append(await driver.timed(command()))
            results = {name: quantiles(values) for name, values in samples.items()}

            # A /latest sent at some moment while a common-word search runs.
            rng = random.Random(SEED)
            search_median = results["common word"][0]
            delays = []
            alone = results["/latest"][0]
            for _ in range(args.repeats):
                search = asyncio.ensure_future(driver.timed(f"/search {queries['common word']}"))
                latest = await driver.timed("/latest", delay=rng.uniform(0, search_median * 0.8))
                await search
                delays.append(max(0.0, latest - alone))
        await store.db.close()

    latest_median, latest_p99 = results["/latest"]
    print("through the bot, one command at a time (median / p99, ms):")
    print(f"  {'/latest':12s} {latest_median * 1000:7.2f} / {latest_p99 * 1000:7.2f}  (baseline)")
    for name in queries:
        median, p99 = results[name]
        ratio = p99 / latest_p99
        verdict = "ok" if ratio <= SEARCH_TARGET else "ABOVE TARGET"
        print(
            f"  {name:12s} {median * 1000:7.2f} / {p99 * 1000:7.2f}  "
            f"p99 ratio {ratio:.2f} (target <= {SEARCH_TARGET:.0f}) {verdict}"
        )
    for where, values in (("at the database", db_delays), ("through the bot", delays)):
        delay_median, delay_p99 = quantiles(values)
        verdict = "ok" if delay_p99 <= DELAY_TARGET else "ABOVE TARGET"
        print(
            f"/latest during a common-word search, {where}: waits {delay_median * 1000:.2f} ms "
            f"more (median), {delay_p99 * 1000:.2f} ms (p99), max {max(values) * 1000:.2f} ms "
            f"(target p99 <= {DELAY_TARGET * 1000:.0f} ms) {verdict}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    asyncio.run(main())
