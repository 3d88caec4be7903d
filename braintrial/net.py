"""The client's address: the one place that reads it, for every limit keyed on it.

Behind ``settings.NUM_PROXIES`` trusted reverse proxies, each proxy appends the address it saw
to ``X-Forwarded-For``; only the entry added by the outermost trusted proxy is the client's.
Entries to its left were written by the client and may be forged, so they are never read. With
no proxy (``NUM_PROXIES = 0``) the header is ignored and the socket's address is the client's.
DRF's throttles read the same setting (``REST_FRAMEWORK["NUM_PROXIES"]``) the same way, and
django-axes is pointed here (``AXES_CLIENT_IP_CALLABLE``).

Limits and repeat flags key on the client's *network*, not its address: an ordinary IPv6
connection gets a whole /64 from its provider and may pick any address in it for each request,
so the /64 is what one IPv6 client is (``ADDRESS_NETWORK_PREFIX_IPV6``); an IPv4 client is its
address (``ADDRESS_NETWORK_PREFIX_IPV4``, 32).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str:
    """The client's IP address as the outermost trusted proxy (or the socket) saw it."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "NUM_PROXIES", 0))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # The last ``proxies`` entries were added by our own proxies; the first of them is the
    # address the outermost one was connected from. A shorter header means fewer proxies than
    # configured took part: its first entry is still the furthest one written by a proxy.
    return hops[-min(proxies, len(hops))]


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def address_network(address: str) -> IPNetwork | None:
    """The network one client holds: the address's /64 (IPv6) or the address itself (IPv4),
    by the configured prefix lengths. An IPv4 address written as IPv6 (``::ffff:a.b.c.d``)
    counts as IPv4. None for a missing or unparsable address."""
    ip = _parse(address)
    if ip is None:
        return None
    if ip.version == 4:
        prefix = int(getattr(settings, "ADDRESS_NETWORK_PREFIX_IPV4", 32))
    else:
        prefix = int(getattr(settings, "ADDRESS_NETWORK_PREFIX_IPV6", 64))
    return ipaddress.ip_network(f"{ip}/{prefix}", strict=False)


def _exempt_networks() -> tuple[IPNetwork, ...]:
    return tuple(
        ipaddress.ip_network(net, strict=False)
        for net in getattr(settings, "START_LIMIT_EXEMPT_NETWORKS", [])
    )


def address_is_limited(address: str) -> bool:
    """Whether per-address start limits apply: not to the exempt networks (by default this
    machine, where pilots and load tests run), nor to a missing or unparsable address. Repeat
    flags apply to every parsable address, exempt or not (participants.services.start)."""
    ip = _parse(address)
    if ip is None:
        return False
    return not any(ip in net for net in _exempt_networks())
