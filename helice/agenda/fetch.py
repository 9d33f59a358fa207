"""Fetching a partner's calendar feed, without letting the address reach inside.

A feed's address is typed by a partner, so it is hostile until proven
otherwise (server-side request forgery): only ``http`` and ``https``, no
credentials in the address, and every address the host name resolves to must
be a public one (no loopback, private, link-local, carrier-grade NAT,
multicast or reserved range, IPv4-mapped IPv6 included). The check is made
when the feed is registered and again on every fetch and every redirect; the
connection then goes to the address that was checked (the host name is sent in
``Host`` and checked against the TLS certificate), so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot redirect it.

A fetch is bounded: connection and read timeouts and an overall deadline,
at most ``MAX_REDIRECTS`` redirects, at most ``MAX_BYTES`` read in chunks
(decompressed size), with ``If-None-Match``/``If-Modified-Since`` so an
unchanged feed costs a 304. ``fetch`` is the one function that touches the
network: tests replace it (``services_partner.feed_import(fetch=…)``)."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_TIMEOUT = 40.0
CHUNK = 64 * 1024
USER_AGENT = "Helice-agenda/1.0 (calendar import; +https://helice.grenoblealpesmetropole.fr)"
REDIRECTS = {301, 302, 303, 307, 308}


class FeedError(Exception):
    """A feed that could not be fetched or read: ``code`` for programs and
    tests, ``message`` for its partner (recorded on the feed, e-mailed)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FetchResult:
    status: int  # 200, or 304 when unchanged since the ETag/Last-Modified given
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    url: str = ""


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an address a feed may have;
    FeedError otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise FeedError("address", _("This address cannot be read.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FeedError("address", _("Only http and https addresses are accepted."))
    if parts.username or parts.password:
        raise FeedError("address", _("An address with a user name or a password is not accepted."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FeedError("address", _("This address has no host name."))
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise FeedError("address", _("This address cannot be read.")) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve_public(host: str, port: int) -> str:
    """The address to connect to: ``host`` resolved, every answer public."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FeedError("dns", _("The host name %(host)s could not be found.") % {"host": host}) from None
    addresses = [answer[4][0] for answer in answers]
    if not addresses:
        raise FeedError("dns", _("The host name %(host)s could not be found.") % {"host": host})
    if not all(is_public_address(address) for address in addresses):
        raise FeedError(
            "private_address",
            _("%(host)s is not a public address on the Internet: Hélice does not fetch it.") % {"host": host},
        )
    return addresses[0]


def check_url(url: str) -> str:
    """Raise ValidationError (for forms) unless ``url`` may be fetched; return it stripped."""
    try:
        _scheme, host, port, _path = _split(url)
        resolve_public(host, port)
    except FeedError as error:
        raise ValidationError(error.message, code=error.code) from None
    return url.strip()


def _pool(scheme: str, address: str, host: str, port: int):
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET ``url`` within the bounds above; FeedError for anything but a calendar-sized 200 or a 304."""
    deadline = time.monotonic() + TOTAL_TIMEOUT
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _split(url)
        address = resolve_public(host, port)
        headers = {
            "Host": host if port in (80, 443) else f"{host}:{port}",
            "User-Agent": USER_AGENT,
            "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        pool = _pool(scheme, address, host, port)
        try:
            response = pool.urlopen(
                "GET",
                path,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                if response.status in REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise FeedError("http", _("The server answered a redirection with no address."))
                    url = urljoin(url, location)
                    continue
                if response.status == 304:
                    return FetchResult(status=304, etag=etag, last_modified=last_modified, url=url)
                if response.status != 200:
                    raise FeedError(
                        "http", _("The server answered with the HTTP error %(status)s.") % {"status": response.status}
                    )
                body = _read(response, deadline)
                return FetchResult(
                    status=200,
                    body=body,
                    etag=(response.headers.get("ETag") or "")[:300],
                    last_modified=(response.headers.get("Last-Modified") or "")[:100],
                    url=url,
                )
            finally:
                response.release_conn()
        except FeedError:
            raise
        except urllib3.exceptions.TimeoutError:
            raise FeedError("timeout", _("The server took too long to answer.")) from None
        except urllib3.exceptions.SSLError:
            raise FeedError("tls", _("The server's HTTPS certificate could not be verified.")) from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise FeedError("network", _("The server could not be reached.")) from None
        finally:
            pool.close()
    raise FeedError("redirects", _("Too many redirections (more than %(max)s).") % {"max": MAX_REDIRECTS})


def too_big_error() -> FeedError:
    return FeedError(
        "too_big", _("The feed is larger than %(max)s MB: it is not imported.") % {"max": MAX_BYTES // (1024 * 1024)}
    )


def _read(response, deadline: float) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_BYTES:
        raise too_big_error()
    chunks, size = [], 0
    for chunk in response.stream(CHUNK, decode_content=True):
        size += len(chunk)
        if size > MAX_BYTES:
            raise too_big_error()
        if time.monotonic() > deadline:
            raise FeedError("timeout", _("The server took too long to send the feed."))
        chunks.append(chunk)
    return b"".join(chunks)
