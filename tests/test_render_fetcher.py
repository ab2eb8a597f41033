"""SafeURLFetcher: serves the app's own fonts, styles and case pictures, refuses the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from weasyprint import HTML

from marathon.render.fetcher import (
    FONTS_DIR,
    RefusedURL,
    SafeURLFetcher,
    asset_url,
    path_url,
)


@pytest.fixture
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    monkeypatch.setenv("MARATHON_CASES_DIR", str(folder))
    return folder


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "data:text/css,body{}",
        "javascript:alert(1)",
        "marathon-asset://fonts/../../../../etc/passwd",
        "marathon-asset://fonts/%2e%2e/%2e%2e/config.py",
        "marathon-asset://nowhere/x.css",
        "file://example.com/" + str(FONTS_DIR / "NotoSerif-Regular.ttf"),
        (FONTS_DIR / ".." / ".." / "config.py").as_uri(),
        "relative/path.png",
    ],
)
def test_fetcher_refuses_anything_outside_the_allow_list(url: str, cases: Path) -> None:
    fetcher = SafeURLFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert [refused for refused, _ in fetcher.refused] == [url]
    assert list(fetcher.fetched) == []


def test_fetcher_refuses_a_symlink_that_escapes_the_cases_folder(cases: Path) -> None:
    link = cases / "photo.png"
    os.symlink("/etc/passwd", link)
    fetcher = SafeURLFetcher()
    with pytest.raises(RefusedURL, match="outside"):
        fetcher.fetch(link.as_uri())
    with pytest.raises(RefusedURL, match="outside"):
        fetcher.fetch(asset_url("cases", "photo.png"))


def test_fetcher_serves_the_fonts_by_asset_url_and_by_file_url(cases: Path) -> None:
    fetcher = SafeURLFetcher()
    by_asset = fetcher.fetch(asset_url("fonts", "NotoSerif-Regular.ttf"))
    by_file = fetcher.fetch((FONTS_DIR / "NotoSerif-Regular.ttf").as_uri())
    expected = (FONTS_DIR / "NotoSerif-Regular.ttf").read_bytes()
    assert by_asset.read() == expected
    assert by_file.read() == expected
    assert len(fetcher.fetched) == 2
    assert list(fetcher.refused) == []


def test_fetcher_serves_a_picture_of_the_configured_cases_folder(cases: Path) -> None:
    photo = cases / "2025" / "damisoa" / "photo.svg"
    photo.parent.mkdir(parents=True)
    photo.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    url = path_url(photo)
    assert url == "marathon-asset://cases/2025/damisoa/photo.svg"
    response = SafeURLFetcher().fetch(url)
    assert response.content_type == "image/svg+xml"
    assert path_url("/etc/passwd") is None


def test_weasyprint_with_the_fetcher_fetches_nothing_from_a_hostile_document(cases: Path) -> None:
    fetcher = SafeURLFetcher()
    hostile = """<html><head>
    <link rel="stylesheet" href="http://127.0.0.1:9/x.css">
    <style>@import url("file:///etc/passwd");
    body { background: url(http://127.0.0.1:9/b.png) }</style>
    </head><body><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/i.png">
    <p>text</p></body></html>"""
    HTML(string=hostile, url_fetcher=fetcher).write_pdf()
    assert list(fetcher.fetched) == []
    refused = {url for url, _ in fetcher.refused}
    assert "file:///etc/passwd" in refused
    assert "http://127.0.0.1:9/x.css" in refused
    assert "http://127.0.0.1:9/i.png" in refused


def test_fetcher_log_is_bounded() -> None:
    fetcher = SafeURLFetcher(log_size=3)
    for index in range(10):
        with pytest.raises(RefusedURL):
            fetcher.fetch(f"http://example.com/{index}")
    assert len(fetcher.refused) == 3
