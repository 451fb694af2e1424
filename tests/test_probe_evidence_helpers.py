"""Fast paths in probes/evidence.py against the library functions they stand in for."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from probes.evidence import stable_path, url_netloc_path, url_path

URLS = [
    "https://api.example.com/v1/orders/123?x=1#top", "https://api.example.com", "https://api.example.com?q=1",
    "https://api.example.com#frag", "http://user:pw@api.example.com:8080/a/b", "https://[::1]:8443/p?x",
    "https://[2001:db8::1]/", "https://host/a\tb/c", "https://host/a\nb", "https://主机.example/路径/1",
    "https://host/%E8%B7%AF/;params?q", "HTTPS://HOST/UPPER", "ws://host:80/socket", "wss://host/s?token=a",
    "https://host//double//slash/", "https://host/a?b/c", "https://host/a#b/c", "https://host:/p",
    "//host/p", "/only/path?q", "mailto:someone@example.com", "", "https://host/p q", "https://host\r/p",
    "https://host/a?x\n", "https://host/a#b\tc/d", "https://host/p?[x]", "https://host/a]b", "http://h?\r#/x",
    " https://host/lead", "https://host/trail ", "\x00https://host/c0", "https://Host:443/p",
]


@pytest.mark.parametrize("url", URLS)
def test_url_path_is_urlsplits_path(url: str) -> None:
    """Probes key endpoints by this path: the fast path for plain URLs must give urlsplit's exactly."""
    assert url_path(url) == urlsplit(url).path


@pytest.mark.parametrize("url", URLS)
def test_url_netloc_path_is_urlsplits(url: str) -> None:
    """Flows are matched to their wx.request calls by host and path: the fast path must give urlsplit's."""
    assert url_netloc_path(url) == (urlsplit(url).netloc, urlsplit(url).path)


def test_stable_path_replaces_ids_and_keeps_the_rest() -> None:
    assert stable_path("https://api.example.com/v1/orders/123456?x=1") == stable_path(
        "https://api.example.com/v1/orders/987654")
    assert stable_path("https://api.example.com") == "/"
