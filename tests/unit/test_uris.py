"""idp.oauth.uris: web origins (RFC 6454), loopback redirect URIs whose port may vary
(RFC 8252 §7.3), and absolute URIs without a fragment (RFC 3986 §4.3)."""

from __future__ import annotations

import pytest

from idp.oauth.uris import (
    is_absolute_without_fragment,
    is_loopback_host,
    is_web_origin,
    origin_of,
    without_loopback_port,
)

# --- origins (RFC 6454 §4, §6.1) ---


@pytest.mark.parametrize(
    ("uri", "origin"),
    [
        ("https://app.example/callback?x=1#f", "https://app.example"),
        ("https://app.example:443/cb", "https://app.example"),  # default port dropped
        ("http://app.example:80/cb", "http://app.example"),
        ("https://app.example:80/cb", "https://app.example:80"),  # not this scheme's default
        ("http://app.example:443/cb", "http://app.example:443"),
        ("https://app.example:8443", "https://app.example:8443"),
        ("http://127.0.0.1:9000/cb", "http://127.0.0.1:9000"),
        ("http://[::1]:9000/cb", "http://[::1]:9000"),  # IPv6 bracketed
        ("http://[::1]/cb", "http://[::1]"),
        ("https://[2001:db8::1]:443/", "https://[2001:db8::1]"),
        ("https://user:pw@app.example/cb", "https://app.example"),  # no userinfo in origins
        ("HTTPS://App.Example/cb", "https://app.example"),  # scheme and host lowercased
    ],
)
def test_origin_of_an_http_uri__rfc6454_s4(uri, origin):
    assert origin_of(uri) == origin


@pytest.mark.parametrize(
    "uri",
    [
        "ftp://files.example/",
        "ws://app.example/",
        "com.example.app:/callback",  # a native app's private-use scheme
        "urn:ietf:params:oauth:token-type:jwt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https:///path-without-host",
        "//app.example/no-scheme",
        "/relative",
        "",
    ],
)
def test_non_http_uris_have_no_origin_here(uri):
    assert origin_of(uri) is None


@pytest.mark.parametrize(
    "uri",
    ["https://app.example:abc/", "https://app.example:99999/", "https://app.example:-1/"],
)
def test_a_malformed_port_has_no_origin(uri):
    assert origin_of(uri) is None


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example",
        "https://app.example:8443",
        "http://127.0.0.1:9000",
        "http://[::1]:9000",
        "http://localhost:3000",
    ],
)
def test_web_origins_as_browsers_send_them__rfc6454_s6_1(value):
    assert is_web_origin(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example/",  # a path, even "/"
        "https://app.example/cb",
        "https://app.example?x",
        "https://app.example#f",
        "https://user@app.example",
        "https://app.example:443",  # browsers leave the default port out
        "http://app.example:80",
        "HTTPS://app.example",
        "https://APP.example",
        "null",  # the opaque origin is never one of a client's
        "ftp://files.example",
        "app.example",
        "",
    ],
)
def test_other_values_are_not_web_origins__rfc6454_s6_1(value):
    assert not is_web_origin(value)


# --- loopback redirect URIs (RFC 8252 §7.3, §8.3) ---


@pytest.mark.parametrize(
    ("uri", "portless"),
    [
        ("http://127.0.0.1:51004/oauth2redirect", "http://127.0.0.1/oauth2redirect"),
        ("http://127.0.0.1/oauth2redirect", "http://127.0.0.1/oauth2redirect"),
        ("http://127.0.0.1:8080/cb?app=1", "http://127.0.0.1/cb?app=1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1"),
        ("http://[::1]:51004/oauth2redirect", "http://[::1]/oauth2redirect"),
        ("http://[::1]/oauth2redirect", "http://[::1]/oauth2redirect"),
    ],
)
def test_a_loopback_ip_redirect_uri_without_its_port__rfc8252_s7_3(uri, portless):
    assert without_loopback_port(uri) == portless


def test_any_port_of_the_same_loopback_uri_matches__rfc8252_s7_3():
    registered = without_loopback_port("http://127.0.0.1/cb")
    assert all(
        without_loopback_port(f"http://127.0.0.1:{port}/cb") == registered
        for port in (1, 80, 8080, 51004, 65535)
    )


def test_path_and_query_still_have_to_match__rfc8252_s7_3():
    assert without_loopback_port("http://127.0.0.1:5/cb") != without_loopback_port(
        "http://127.0.0.1:5/other"
    )
    assert without_loopback_port("http://127.0.0.1:5/cb?a=1") != without_loopback_port(
        "http://127.0.0.1:5/cb?a=2"
    )
    assert without_loopback_port("http://127.0.0.1:5/cb") != without_loopback_port(
        "http://[::1]:5/cb"
    )


@pytest.mark.parametrize(
    "uri",
    [
        "http://localhost:8080/cb",  # a name, not an IP literal (RFC 8252 §8.3)
        "http://[0:0:0:0:0:0:0:1]:5/cb",  # only the port may vary, not the spelling
        "HTTP://127.0.0.1:5/cb",
        "https://127.0.0.1:8080/cb",  # §7.3 is about http
        "http://user@127.0.0.1:8080/cb",  # userinfo
        "http://user:pw@127.0.0.1:8080/cb",
        "http://:pw@127.0.0.1:8080/cb",
        "http://@127.0.0.1:8080/cb",
        "http://127.0.0.1:8080/cb#fragment",
        "http://127.0.0.1:8080/cb#",  # an empty fragment is still one
        "http://192.168.1.10:8080/cb",
        "http://10.0.0.1:8080/cb",
        "http://app.example:8080/cb",
        "http://0.0.0.0:8080/cb",
        "http://[::]:8080/cb",
        "http://127.0.0.1:abc/cb",  # malformed port
        "http://127.0.0.1:99999/cb",
        "http:///cb",
        "com.example.app:/cb",
    ],
)
def test_other_uris_have_no_variable_port__rfc8252_s8_3(uri):
    assert without_loopback_port(uri) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.0.1", False),
        ("app.example", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback_host(host, loopback):
    assert is_loopback_host(host) is loopback


# --- absolute URIs without a fragment (RFC 3986 §4.3; RFC 6749 §3.1.2; RFC 8707 §2) ---


@pytest.mark.parametrize(
    "uri",
    [
        "https://api.example/orders",
        "https://api.example",
        "https://api.example/orders?v=1",
        "http://127.0.0.1:9000/cb",
        "com.example.app://callback",
    ],
)
def test_absolute_uris_without_a_fragment__rfc3986_s4_3(uri):
    assert is_absolute_without_fragment(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://api.example/orders#section",
        "https://api.example/orders#",  # an empty fragment is still a fragment
        "/orders",  # relative reference
        "//api.example/orders",  # network-path reference: no scheme
        "api.example/orders",
        "",
    ],
)
def test_fragments_and_relative_references_are_refused__rfc3986_s4_3(uri):
    assert not is_absolute_without_fragment(uri)


@pytest.mark.parametrize(
    "uri",
    ["urn:example:orders-api", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
)
def test_absolute_uris_need_no_authority__rfc3986_s4_3__rfc8707_s2(uri):
    # absolute-URI = scheme ":" hier-part [ "?" query ]: hier-part may be path-rootless,
    # so a URN is an absolute URI, and RFC 8707 §2 allows any absolute URI as a resource.
    assert is_absolute_without_fragment(uri)
