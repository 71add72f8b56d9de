"""The address of the client that made a request, for limits and sign-in throttling.

REMOTE_ADDR by default. Behind reverse proxies, set TRUSTED_PROXY_COUNT to how many of them
append to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, a load balancer…): the
client is then the entry that many places from the right. Anything further left was sent
by the client itself and is never believed, so a forged header cannot pick an address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            candidate = forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
            if _valid(candidate):
                return candidate
    return remote


def address_key(address: str) -> str:
    """What limits count by: the address itself, or for IPv6 its /64 (one subscriber's
    network, within which new addresses cost nothing)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _valid(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
