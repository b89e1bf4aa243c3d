"""Who is asking, and over what: the client address and scheme as seen through trusted proxies.

A proxy is trusted when its address is in `trusted_proxies` (addresses or networks). Only then do
its `X-Forwarded-For` and `X-Forwarded-Proto` count: the client is the right-most forwarded
address that is not itself a trusted proxy, the scheme the last forwarded one. A request from
anywhere else keeps the address and scheme of its own connection, whatever headers it sends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"` -> networks; `*` is refused (trust nobody rather than all)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in _parts(spec))


def _parts(spec: str) -> Iterable[str]:
    return (part for part in spec.split(",") if part.strip())


class Forwarded:
    def __init__(self, trusted: tuple[Network, ...]) -> None:
        self.trusted = trusted

    def is_trusted(self, host: str | None) -> bool:
        if not host or not self.trusted:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def resolve(
        self, client: str | None, scheme: str, headers: list[tuple[bytes, bytes]]
    ) -> tuple[str | None, str]:
        """The client address and scheme of the request."""
        if not self.is_trusted(client):
            return client, scheme
        hops: list[str] = []
        proto: str | None = None
        for name, value in headers:
            if name == b"x-forwarded-for":
                hops.extend(h.strip() for h in value.decode("latin-1").split(",") if h.strip())
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
        for hop in reversed(hops):
            client = hop
            if not self.is_trusted(hop):
                break
        if proto in ("http", "https"):
            scheme = proto
        return client, scheme
