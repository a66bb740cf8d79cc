"""Where a webhook may be sent (SSRF protection, docs/webhooks.md).

Two checks, and both run at save and again at every delivery:

1. :func:`url_check` looks at the URL itself: http(s) only, no credentials, a host that is
   a valid DNS name or an IP address in any spelling the resolver accepts (``2130706433``,
   ``0177.0.0.1``, ``0x7f.1``, ``[::ffff:a9fe:a9fe]`` ...), special-use names
   (``*.localhost``, ``*.internal`` ...), and the addresses the name resolves to now.
2. :class:`GuardedTransport` (the only way deliveries reach the network) resolves the host
   itself when it connects, refuses if *any* resolved address is not allowed, connects
   to a validated address (TLS still verifies the original host name, and the Host
   header is the URL's) and checks the connected socket's peer once more. So a name that
   resolves somewhere else by delivery time (DNS rebinding) is still refused. Redirects
   are never followed, and proxies from the environment are never used.

Always refused: link-local (169.254/16, fe80::/10), cloud metadata addresses, multicast,
unspecified, reserved and other special-use ranges. Refused unless the operator setting
``WEBHOOKS_ALLOW_PRIVATE_TARGETS`` is on: loopback and private networks (127/8, ::1,
10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
    )
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# special-use names (RFC 6761, 6762, 8375 and ICANN's .internal) that only mean something
# on a local network; plain "localhost" is left to the resolver (it answers 127.0.0.1)
LOCAL_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
# metadata services' own names: refused even where private names are allowed
METADATA_NAMES = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
     "instance-data.ec2.internal"}
)  # fmt: skip
_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")
MAX_URL_LENGTH = 2000


class TargetRefused(Exception):
    """The URL, or an address it leads to, is not a place webhooks may go."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in net for net in NAT64_NETWORKS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why webhooks may not go to ``ip``, or None if they may."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = address_refusal(embedded, allow_private=allow_private)
            if reason or ip.ipv4_mapped:
                return reason  # an IPv4-mapped address *is* its IPv4 address
        ip = ipaddress.IPv6Address(ip.compressed.split("%")[0])  # drop a zone id
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if any(ip in net for net in PRIVATE_NETWORKS):
        if allow_private:
            return None
        return "a loopback address" if ip.is_loopback else "a private network address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved or special-use address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """``host`` read as an IP address the way the system resolver reads it: dotted quads,
    but also ``2130706433``, ``0177.0.0.1``, ``0x7f.0.0.1``, ``127.1``; None for names."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (in the resolver's order, no repeats)."""
    seen: dict[IPAddress, None] = {}
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%")[0])] = None
    return list(seen)


def _refuse_addresses(
    host: str, addresses: list[IPAddress], *, allow_private: bool, literal: bool = False
) -> None:
    for ip in addresses:
        reason = address_refusal(ip, allow_private=allow_private)
        if reason:
            if literal:
                where = f"{host} is" if str(ip) == host else f"{host} is {ip},"
            else:
                where = f"{host} resolves to {ip},"
            raise TargetRefused(f"{where} {reason}; webhooks are not sent there.")


def url_check(url: str, *, allow_private: bool, resolve_host: bool = True) -> str:
    """The URL as it will be requested, or :class:`TargetRefused` saying why not.

    With ``resolve_host`` the name is resolved now and every address checked; a name that
    does not resolve (yet) passes, because the delivery checks again when it connects."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"Use at most {MAX_URL_LENGTH} characters.")
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        raise TargetRefused("A URL has no spaces, control characters or backslashes.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise TargetRefused("Use an http:// or https:// URL.")
    if "@" in parts.netloc:
        raise TargetRefused("Credentials in the URL are not allowed; check the signature instead.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("The URL needs a host.")
    try:
        if not 0 < (parts.port or 80) < 65536:
            raise ValueError
    except ValueError:
        raise TargetRefused("The port is a number from 1 to 65535.")
    literal = literal_address(host)
    if literal is not None:
        _refuse_addresses(host, [literal], allow_private=allow_private, literal=True)
    try:
        parsed = httpx.URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except (httpx.InvalidURL, ValueError) as exc:
        raise TargetRefused(f"Not a valid URL: {exc}.")
    sent_host = parsed.raw_host.decode("ascii").lower().strip("[]").rstrip(".")
    if literal is None:
        if not _HOSTNAME.match(sent_host):
            raise TargetRefused("Not a valid host name.")
        if sent_host in METADATA_NAMES:
            raise TargetRefused(
                f"{sent_host} is a cloud metadata service; webhooks are not sent there."
            )
        if not allow_private and sent_host.endswith(LOCAL_NAME_SUFFIXES):
            raise TargetRefused(
                f"{sent_host} is a local network name; webhooks are not sent there."
            )
    elif literal_address(sent_host) != literal:
        raise TargetRefused("The URL's host is ambiguous.")
    if resolve_host and literal is None:
        try:
            addresses = resolve(sent_host, port)
        except (OSError, UnicodeError):
            addresses = []
        _refuse_addresses(sent_host, addresses, allow_private=allow_private)
    return str(parsed)


# --- the only way out: a transport that checks where it connects ------------------------------
class GuardedBackend(SyncBackend):
    """httpcore's network backend, connecting only to allowed addresses."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        name = host.strip("[]").rstrip(".")
        try:
            addresses = resolve(name, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {name}: {exc}") from exc
        literal = literal_address(name) is not None
        _refuse_addresses(name, addresses, allow_private=self.allow_private, literal=literal)
        failure: Exception = httpcore.ConnectError(f"{name} has no address")
        for ip in addresses:
            try:
                stream = super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            peer = ipaddress.ip_address(stream.get_extra_info("server_addr")[0].split("%")[0])
            try:
                _refuse_addresses(name, [peer], allow_private=self.allow_private)
            except TargetRefused:
                stream.close()
                raise
            return stream
        raise failure

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise TargetRefused("Webhooks are not sent to local sockets.")


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=True, trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose backend is :class:`GuardedBackend`.

    ``HTTPTransport.__init__`` is not called: all it does is build the pool this replaces
    (and, for proxies, other pools: webhooks never go through a proxy)."""

    def __init__(self, *, allow_private: bool) -> None:  # noqa: B026 - see the docstring
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=2,
            max_keepalive_connections=0,
            retries=0,
            network_backend=GuardedBackend(allow_private=allow_private),
        )


def guarded_client(*, timeout: float, allow_private: bool) -> httpx.Client:
    """An httpx client that only reaches allowed addresses and follows no redirects."""
    return httpx.Client(
        transport=GuardedTransport(allow_private=allow_private),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,  # no proxies (nor .netrc) from the environment
    )
