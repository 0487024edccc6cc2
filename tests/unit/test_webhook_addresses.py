"""Where webhooks may go outside the local stage: https, public addresses only, checked when an endpoint is added
and again when a delivery connects; no redirects followed; a signature any Standard Webhooks library accepts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib.adapters.http_webhooks import HttpWebhookSender, RefusedAddress, _PinnedConnection
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.webhooks import check_endpoint_url, is_public_address, new_secret

PUBLIC = {"hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]}


def public_only(host: str, port: int) -> list[str]:
    return PUBLIC.get(host, [])


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.0.0.5", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "fe80::1%eth0", "not an address",
])
def test_private_loopback_link_local_and_their_ipv6_disguises_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946",
                                     "::ffff:93.184.216.34"])
def test_public_addresses_are_public(address):
    assert is_public_address(address)


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1/hook", "https_only"),
    ("http://hooks.example.com/hook", "https_only"),
    ("https://127.0.0.1/hook", "private_address"),
    ("https://169.254.169.254/latest/meta-data/", "private_address"),
    ("https://[fd00::1]:8443/hook", "private_address"),
    ("https://intranet.example.com/hook", "private_address"),
    ("https://nowhere.example.com/hook", "unresolved"),
])
def test_urls_outside_the_local_stage_must_be_https_on_public_addresses(url, reason):
    resolved = {**PUBLIC, "intranet.example.com": ["10.20.30.40"]}
    with pytest.raises(InvalidRequest) as refused:
        check_endpoint_url(url, allow_private=False, resolve=lambda host, port: resolved.get(host, []))
    assert refused.value.details == {"field": "url", "reason": reason}


def test_a_public_https_url_is_kept_without_its_fragment():
    assert check_endpoint_url(" https://Hooks.example.com/in?x=1#top ", False, public_only) == \
        "https://Hooks.example.com/in?x=1"


def test_the_local_stage_takes_http_to_localhost_without_resolving():
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("resolved")

    assert check_endpoint_url("http://127.0.0.1:9000/hook", True, no_dns) == "http://127.0.0.1:9000/hook"


class Server:
    """Answers every POST with one status and a 1 MiB body, keeping each request's path and headers."""

    def __init__(self, status: int) -> None:
        self.hits: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.hits.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(status)
                self.send_header("Location", "/followed")
                big = b"x" * (1024 * 1024)
                self.send_header("Content-Length", str(len(big)))
                self.end_headers()
                self.wfile.write(big)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def server_factory():
    servers: list[Server] = []

    def make(status: int = 200) -> Server:
        servers.append(Server(status))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_a_name_that_resolves_to_a_private_address_at_send_time_is_refused_before_connecting(server_factory):
    server = server_factory()
    rebinding = HttpWebhookSender(allow_private=False, resolver=lambda host, port: ["127.0.0.1"])
    result = rebinding.send(f"https://hooks.example.com:{server.port}/hook", "msg_1", NOW, "{}", new_secret())
    assert not result.ok and result.error == "127.0.0.1 is not a public address"
    plain = HttpWebhookSender(allow_private=False, resolver=public_only)
    assert plain.send("http://hooks.example.com/hook", "msg_1", NOW, "{}", new_secret()).error == \
        "only https URLs are delivered to"
    assert server.hits == []


def test_the_peer_a_connection_reaches_is_checked_again(server_factory):
    server = server_factory()

    def guard(address: str) -> None:
        raise RefusedAddress(f"{address} is not a public address")

    connection = _PinnedConnection("hooks.example.com", server.port, "127.0.0.1", 2.0, guard)
    with pytest.raises(RefusedAddress):
        connection.connect()
    assert server.hits == []


def test_redirects_are_not_followed_and_a_large_answer_is_cut_short(server_factory):
    redirecting, big = server_factory(302), server_factory(200)
    sender = HttpWebhookSender(allow_private=True)
    moved = sender.send(f"http://127.0.0.1:{redirecting.port}/hook", "msg_1", NOW, "{}", new_secret())
    assert moved.status == 302 and not moved.ok and "redirects are not followed" in (moved.error or "")
    assert [path for path, _ in redirecting.hits] == ["/hook"]
    assert sender.send(f"http://127.0.0.1:{big.port}/hook", "msg_1", NOW, "{}", new_secret()).ok


def test_the_signature_is_what_the_standardwebhooks_library_verifies(server_factory):
    from standardwebhooks import Webhook

    server = server_factory()
    secret = new_secret()
    sent = HttpWebhookSender(allow_private=True).send(f"http://127.0.0.1:{server.port}/", "msg_2",
                                                      datetime.now(UTC), '{"a":1}', secret)
    assert sent.ok
    [(_, headers)] = server.hits
    assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}
    assert headers["webhook-id"] == "msg_2" and headers["user-agent"] == "Pixmint-Webhooks/1"
