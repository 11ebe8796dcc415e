"""Which addresses feeds may be fetched from: public ones, unless FEEDS_ALLOW_PRIVATE says so.

An admin's URL, a redirect or a DNS answer must not make the bot read the loopback interface,
the local network or a cloud metadata service (169.254.169.254) and store the answer as news.
`AddressGuard` is aiohttp's `socket_factory`: it runs for every connection, with the address
about to be connected to, so literal IPs, each redirect and a name whose DNS answer changes
between a check and the connection (DNS rebinding) all meet the same test, before any packet.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection

from aiohappyeyeballs import AddrInfoType

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Why a fetch was refused, as stored in a source's last error; handlers translate it.
PRIVATE_ADDRESS = "address in a private network"


def _table(*rows: tuple[str, str]) -> tuple[tuple[Network, str], ...]:
    return tuple((ipaddress.ip_network(network), kind) for network, kind in rows)


# IANA's special-purpose address registries, without the globally reachable entries. The first
# match names the kind; anything else is public. Written out rather than taken from
# `ipaddress`'s is_private/is_global, whose answers have changed between Python releases.
_IPV4 = _table(
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),  # the retired 6to4 relay anycast
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # 255.255.255.255 included
)
_IPV6 = _table(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/8", "reserved"),  # IPv4-compatible, IPv4-translated, …; mapped ones are unwrapped first
    ("64:ff9b:1::/48", "private"),  # local-use NAT64
    ("100::/64", "reserved"),  # discard-only
    ("2001::/23", "reserved"),  # IETF protocol assignments, Teredo among them
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "reserved"),  # SRv6 segment identifiers
    ("fc00::/7", "unique local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: IPv4 in the last 32 bits


def blocked_kind(address: IPAddress) -> str | None:
    """The kind of non-public address this is ("loopback", "private", …), or None: public.

    An IPv6 address that carries an IPv4 one (mapped ::ffff:a.b.c.d, NAT64, 6to4) is judged by
    the IPv4 address it reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return blocked_kind(embedded)
        table = _IPV6
    else:
        table = _IPV4
    for network, kind in table:
        if address in network:
            return kind
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def parse_address(host: str) -> IPAddress:
    """A socket address's host ("10.0.0.1", "fe80::1%eth0") as an address, zone dropped."""
    return ipaddress.ip_address(host.partition("%")[0])


class BlockedAddressError(OSError):
    """A connection to a non-public address was refused before it was made.

    Its message is the same for every address: when a name resolves to several refused
    addresses, aiohappyeyeballs raises one of them only if all messages are equal."""

    def __init__(self, address: IPAddress, kind: str) -> None:
        super().__init__(PRIVATE_ADDRESS)
        self.address = address
        self.kind = kind

    @property
    def shown(self) -> str:
        """The address as people write it (IPv4-mapped ones as the IPv4 address)."""
        if isinstance(self.address, ipaddress.IPv6Address) and self.address.ipv4_mapped:
            return str(self.address.ipv4_mapped)
        return str(self.address)


class AddressGuard:
    """aiohttp's `socket_factory` (called for each connection, redirects included): a socket
    for a public address, BlockedAddressError for any other.

    `also_allowed` networks are let through as if public: tests stand a "public" feed server
    on a loopback address of its own with it."""

    def __init__(self, *, also_allowed: Collection[Network] = ()) -> None:
        self._also_allowed = tuple(also_allowed)

    def check(self, address: IPAddress) -> None:
        kind = blocked_kind(address)
        if kind is not None and not any(address in network for network in self._also_allowed):
            raise BlockedAddressError(address, kind)

    def __call__(self, addr_info: AddrInfoType) -> socket.socket:
        family, type_, proto, _canonical_name, sockaddr = addr_info
        self.check(parse_address(str(sockaddr[0])))
        return socket.socket(family=family, type=type_, proto=proto)
