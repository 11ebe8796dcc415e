"""No server-side request forgery: feeds are fetched from public addresses only (unless
FEEDS_ALLOW_PRIVATE), checked on the address each connection is made to, redirects included."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.settings import Settings
from jobs.addresses import AddressGuard, BlockedAddressError, blocked_kind, parse_address
from jobs.ingest import FeedClient, IngestConfig, poll_source
from sandbox import BotAPISandbox
from storage.repositories import Storage
from tests.client import ADMIN_ID, running_bot
from tests.feed_server import Feed, FeedServer, HostsResolver, rss

# --- which addresses are refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.255", "shared (CGNAT)"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.10", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("fc00::1", "unique local"),
        ("fd12:3456:789a::1", "unique local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("2001::1", "reserved"),  # Teredo
        ("100::1", "reserved"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    assert blocked_kind(parse_address(address)) == kind
    with pytest.raises(BlockedAddressError):
        AddressGuard().check(parse_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.63.255.255",  # just below CGNAT
        "100.128.0.0",  # just above
        "172.15.255.255",
        "172.32.0.0",
        "169.253.255.255",
        "223.255.255.255",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
        "2606:4700:4700::1111",
        "2a00:1450:4001:82b::200e",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_kind(parse_address(address)) is None
    AddressGuard().check(parse_address(address))


ipv4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)


@given(ipv4)
def test_what_is_allowed_python_also_calls_global(address: ipaddress.IPv4Address) -> None:
    if blocked_kind(address) is None:
        assert address.is_global and not address.is_multicast


@given(ipv4)
def test_an_ipv4_address_in_ipv6_clothes_is_judged_as_itself(
    address: ipaddress.IPv4Address,
) -> None:
    kind = blocked_kind(address)
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(address))
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(address) << 80) | 1)
    assert blocked_kind(mapped) == blocked_kind(nat64) == blocked_kind(sixtofour) == kind


PRIVATE_RANGES = (
    *("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"),
    *("100.64.0.0/10", "fc00::/7", "fe80::/10", "::1/128"),
)


@given(st.sampled_from(PRIVATE_RANGES), st.integers(min_value=0))
def test_every_address_of_a_private_range_is_refused(network: str, offset: int) -> None:
    net = ipaddress.ip_network(network)
    assert blocked_kind(net[offset % net.num_addresses]) is not None


# --- fetching: refused before connecting, directly, by name and through redirects -------------

PUBLIC = "127.0.0.2"  # a loopback address the tests' guard treats as public


@pytest.fixture
async def internal() -> AsyncIterator[FeedServer]:
    """An internal service that must never be read."""
    server = FeedServer()
    await server.start()
    server.feeds["/rss"] = Feed(rss("Внутрішня служба", [("s", "Секрет", "https://in.example/")]))
    yield server
    await server.stop()


@pytest.fixture
async def public() -> AsyncIterator[FeedServer]:
    """A feed on the "internet": reached as news.example, and redirecting anywhere."""
    server = FeedServer(host=PUBLIC)
    await server.start()
    server.feeds["/rss"] = Feed(rss("Газета", [("n", "Новина", "https://news.example/n")]))
    yield server
    await server.stop()


@pytest.fixture
async def guarded() -> AsyncIterator[FeedClient]:
    """Feeds fetched as in production (FEEDS_ALLOW_PRIVATE=false), with names of the tests'
    own and a "public" loopback address."""
    client = FeedClient(
        IngestConfig(timeout=2.0),
        resolver=HostsResolver(
            {
                "news.example": [PUBLIC],
                "intranet.example": ["127.0.0.1"],
                "two.example": ["127.0.0.1", "10.0.0.1"],
            }
        ),
        guard=AddressGuard(also_allowed=[ipaddress.ip_network(f"{PUBLIC}/32")]),
    )
    yield client
    await client.close()


async def test_a_public_feed_is_fetched(
    guarded: FeedClient, public: FeedServer, store: Storage, settings: Settings
) -> None:
    source, _new = await store.sources.upsert(public.url("/rss", host="news.example"), "UA", 300)
    report = await poll_source(
        source, http=guarded.http(), store=store, config=guarded.config, tz=settings.tz
    )
    assert report.ok and report.new == 1 and public.hits["/rss"] == 1


@pytest.mark.parametrize(
    ("how", "refused"),
    [
        ("literal", "127.0.0.1"),
        ("mapped", "127.0.0.1"),
        ("name", "127.0.0.1"),
        ("name with two private addresses", "127.0.0.1 10.0.0.1"),  # either may be named
        ("redirect", "127.0.0.1"),
        ("redirect to a name", "127.0.0.1"),
        ("redirect to metadata", "169.254.169.254"),
    ],
)
async def test_a_private_address_is_refused_and_nothing_is_stored(
    guarded: FeedClient,
    internal: FeedServer,
    public: FeedServer,
    store: Storage,
    settings: Settings,
    how: str,
    refused: str,
) -> None:
    port = internal.port
    urls = {
        "literal": f"http://127.0.0.1:{port}/rss",
        "mapped": f"http://[::ffff:127.0.0.1]:{port}/rss",
        "name": f"http://intranet.example:{port}/rss",
        "name with two private addresses": f"http://two.example:{port}/rss",
        "redirect": public.url(f"/go?to=http://127.0.0.1:{port}/rss", host="news.example"),
        "redirect to a name": public.url(
            f"/go?to=http://intranet.example:{port}/rss", host="news.example"
        ),
        "redirect to metadata": public.url(
            "/go?to=http://169.254.169.254/latest/meta-data/", host="news.example"
        ),
    }
    source, _new = await store.sources.upsert(urls[how], "UA-74", 300)
    report = await poll_source(
        source, http=guarded.http(), store=store, config=guarded.config, tz=settings.tz
    )
    assert not report.ok and report.refused
    assert report.error in {f"address in a private network ({one})" for one in refused.split()}
    assert internal.hits["/rss"] == 0
    assert public.hits["/go"] == (1 if how.startswith("redirect") else 0)
    assert await store.items.count() == 0
    failed = await store.sources.get(source.id)
    assert failed is not None and failed.last_error == report.error and failed.failures == 1


async def test_feeds_allow_private_lets_a_local_feed_in(
    internal: FeedServer, store: Storage, settings: Settings
) -> None:
    client = FeedClient(IngestConfig(timeout=2.0, allow_private=True))
    source, _new = await store.sources.upsert(internal.url("/rss"), "UA-74", 300)
    report = await poll_source(
        source, http=client.http(), store=store, config=client.config, tz=settings.tz
    )
    await client.close()
    assert report.ok and report.new == 1


# --- what the admin sees -----------------------------------------------------------------------


async def test_addsource_refuses_a_private_address_and_sources_says_why(
    sandbox: BotAPISandbox, settings: Settings, store: Storage, internal: FeedServer
) -> None:
    production = settings.model_copy(update={"feeds_allow_private": False})  # the default
    async with running_bot(sandbox, production, store) as client:
        admin = client.as_user(ADMIN_ID)
        [answer] = await admin.send(f"/addsource {internal.url('/rss')} Чернігів")
        assert answer.plain_text == (
            "Джерело не додано. Адреса веде в приватну мережу (127.0.0.1)."
        )
        assert await store.sources.all() == []
        assert internal.hits["/rss"] == 0

        # A source from SOURCES_FILE is polled, refused, and /sources says why.
        source, _new = await store.sources.upsert(internal.url("/rss"), "UA-74", 300)
        feeds = FeedClient(IngestConfig())
        await poll_source(
            source, http=feeds.http(), store=store, config=feeds.config, tz=settings.tz
        )
        await feeds.close()
        [listing] = await admin.send("/sources")
        assert "Адреса веде в приватну мережу (127.0.0.1)." in listing.plain_text
        [english] = await client.as_user(ADMIN_ID, language="en").send("/sources")
        assert "The address leads into a private network (127.0.0.1)." in english.plain_text
    assert await store.items.count() == 0
    assert internal.hits["/rss"] == 0
