"""Which addresses Braise reads a calendar from: public ones only, unless a setting says so.

A calendar's URL is given by a consultant (or the firm's staff) and read by the server: left
unchecked, it would let anyone have Braise read its own network (a database's port, a cloud's
metadata address 169.254.169.254) and show them what answered. Before each request, and at
each redirect, the host is resolved and every address it resolves to must be global
(`ipaddress.ip_address(a).is_global`): loopback, private, link-local, multicast, reserved and
shared addresses are refused. `calendar_allow_private_hosts` lifts this (the local stack's
Radicale listens on 127.0.0.1).
"""

import ipaddress
import socket

import httpx

PRIVATE = "the address resolves to a private or local network, which Braise does not read"


class AddressError(ValueError):
    """The URL is not one Braise reads a calendar from."""


class PrivateAddressError(AddressError):
    """The URL's host is, or resolves to, an address that is not on the public internet."""


class UnresolvableHostError(AddressError):
    """The URL's host does not resolve (now): a sync will try again."""


def is_public(address: str) -> bool:
    """Return True when an IP address (v4 or v6, as text) is global, on the public internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Return every address a host resolves to (a literal address: itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHostError(f"the host {host} cannot be resolved") from exc
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise an AddressError unless url is http(s) to a host with only public addresses."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise AddressError("only an http or https address with a host is read")
    if allow_private:
        return
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if not all(is_public(a) for a in resolve(parsed.host, port)):
        raise PrivateAddressError(PRIVATE)
