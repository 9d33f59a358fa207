"""The fetch of a feed: addresses that could reach inside refused (SSRF), and a
bounded download (size cap read in chunks, redirect limit with each hop
checked again, timeouts, ETag). A small HTTP server on the loopback stands for
the partner's server; the loopback is let through only where a test says so."""

import http.server
import socket
import threading
import time

import pytest
from django.core.exceptions import ValidationError

from helice.agenda import fetch as fetch_module
from helice.agenda.fetch import FeedError, check_url, fetch, is_public_address

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.10", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("not an address", False),
    ],
)
def test_public_addresses(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "ftp://partner.example.org/agenda.ics",
        "file:///etc/passwd",
        "gopher://partner.example.org/",
        "javascript:alert(1)",
        "http://user:secret@partner.example.org/agenda.ics",
        "http://localhost/agenda.ics",
        "http://127.0.0.1:8000/agenda.ics",
        "http://0x7f000001/agenda.ics",
        "http://2130706433/agenda.ics",
        "http://[::1]/agenda.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/agenda.ics",
        "http://[::ffff:192.168.0.1]/agenda.ics",
        "https:///agenda.ics",
        "http://partner.example.org:99999/agenda.ics",
    ],
)
def test_addresses_that_could_reach_inside_are_refused(url):
    with pytest.raises(ValidationError):
        check_url(url)


def test_a_host_name_resolving_to_a_private_address_is_refused(monkeypatch):
    def resolve(host, port, *args, **kwargs):
        address = {"partner.example.org": "93.184.216.34", "rebind.example.org": "10.0.0.7"}[host]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert check_url(" https://partner.example.org/agenda.ics ") == "https://partner.example.org/agenda.ics"
    with pytest.raises(ValidationError) as caught:
        check_url("https://rebind.example.org/agenda.ics")
    assert caught.value.code == "private_address"


def test_an_unknown_host_is_refused(monkeypatch):
    def resolve(*args, **kwargs):
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(ValidationError) as caught:
        check_url("https://nowhere.example.org/agenda.ics")
    assert caught.value.code == "dns"


# --- A real, local server ---------------------------------------------------------


class Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.seen.append((self.path, self.headers.get("If-None-Match"), self.headers.get("Host")))
        route = Handler.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        route(self)


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client hung up on purpose (timeouts, size cap)


@pytest.fixture
def server(monkeypatch):
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.routes, Handler.seen = {}, []
    # Only this test server's loopback address is let through.
    real = fetch_module.is_public_address
    monkeypatch.setattr(fetch_module, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def send(status, body=b"", headers=None, chunked=False):
    def route(handler):
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            for start in range(0, len(body), 4096):
                piece = body[start : start + 4096]
                handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


def test_a_calendar_is_fetched_with_its_etag(server):
    Handler.routes["/agenda.ics"] = send(
        200, CALENDAR, {"ETag": '"abc"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"}
    )
    result = fetch(server + "/agenda.ics?token=1")
    assert (result.status, result.body, result.etag) == (200, CALENDAR, '"abc"')
    assert result.last_modified == "Tue, 01 Dec 2026 10:00:00 GMT"
    assert Handler.seen[0][0] == "/agenda.ics?token=1" and Handler.seen[0][2].startswith("127.0.0.1:")


def test_not_modified_when_the_etag_matches(server):
    def route(handler):
        if handler.headers.get("If-None-Match") == '"abc"':
            send(304)(handler)
        else:
            send(200, CALENDAR, {"ETag": '"abc"'})(handler)

    Handler.routes["/agenda.ics"] = route
    assert fetch(server + "/agenda.ics", etag='"abc"').status == 304


def test_the_loopback_itself_is_refused_without_the_tests_exception():
    with pytest.raises(FeedError) as caught:
        fetch("http://127.0.0.1:9/agenda.ics")
    assert caught.value.code == "private_address"


@pytest.mark.parametrize("chunked", [False, True])
def test_an_enormous_feed_is_refused_while_reading(server, monkeypatch, chunked):
    monkeypatch.setattr(fetch_module, "MAX_BYTES", 50_000)
    Handler.routes["/big.ics"] = send(200, CALENDAR + b"X" * 200_000, chunked=chunked)
    with pytest.raises(FeedError) as caught:
        fetch(server + "/big.ics")
    assert caught.value.code == "too_big"


def test_redirects_are_followed_a_few_times_only(server):
    Handler.routes["/moved.ics"] = send(301, headers={"Location": "/agenda.ics"})
    Handler.routes["/agenda.ics"] = send(200, CALENDAR)
    assert fetch(server + "/moved.ics").body == CALENDAR
    Handler.routes["/loop.ics"] = send(302, headers={"Location": "/loop.ics"})
    with pytest.raises(FeedError) as caught:
        fetch(server + "/loop.ics")
    assert caught.value.code == "redirects"
    assert len([s for s in Handler.seen if s[0] == "/loop.ics"]) == fetch_module.MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("location", "code"),
    [
        ("http://10.0.0.1/agenda.ics", "private_address"),
        ("http://169.254.169.254/latest/meta-data/", "private_address"),
        ("http://[::1]:80/agenda.ics", "private_address"),
        ("file:///etc/passwd", "address"),
    ],
)
def test_a_redirect_inside_is_refused(server, location, code):
    Handler.routes["/agenda.ics"] = send(302, headers={"Location": location})
    with pytest.raises(FeedError) as caught:
        fetch(server + "/agenda.ics")
    assert caught.value.code == code


def test_http_errors_and_slow_servers(server, monkeypatch):
    Handler.routes["/error.ics"] = send(500, b"oops")
    with pytest.raises(FeedError) as caught:
        fetch(server + "/error.ics")
    assert caught.value.code == "http" and "500" in caught.value.message

    monkeypatch.setattr(fetch_module, "READ_TIMEOUT", 0.3)

    def slow(handler):
        time.sleep(1.5)
        send(200, CALENDAR)(handler)

    Handler.routes["/slow.ics"] = slow
    with pytest.raises(FeedError) as caught:
        fetch(server + "/slow.ics")
    assert caught.value.code == "timeout"


def test_https_certificates_are_verified(monkeypatch, tmp_path):
    """A server whose certificate no authority signed is refused (verification is on)."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.routes = {"/agenda.ics": send(200, CALENDAR)}
    real = fetch_module.is_public_address
    monkeypatch.setattr(fetch_module, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    try:
        with pytest.raises(FeedError) as caught:
            fetch(f"https://127.0.0.1:{httpd.server_address[1]}/agenda.ics")
        assert caught.value.code == "tls"
    finally:
        httpd.shutdown()
        httpd.server_close()
