"""The case's picture reaches the postcard's front, in the PDF and in the preview: the one an
admin uploaded (STORAGE_DIR/case-photos) as well as the one shipped in the case folder. The
fetcher still refuses any file outside its roots."""

from __future__ import annotations

from pathlib import Path

import pytest

from marathon.render.fetcher import RefusedURL, SafeURLFetcher, asset_roots, path_url
from marathon.render.letters import render_letter_pdf, render_preview_html
from tests.render_support import make_content, page_images, png_photo


def _uploaded(app) -> Path:
    """A photo where an admin's upload is stored, found the way the app finds it."""
    from marathon.storage import photos_dir, uploaded_photo_path

    png_photo(photos_dir() / "2025", "damisoa.png")
    found = uploaded_photo_path(2025, "damisoa")
    assert found is not None
    return found


@pytest.mark.parametrize("name", ["postcard", "solidarity_postcard"])
def test_an_uploaded_photo_is_on_the_postcards_front(app, name: str) -> None:
    with app.app_context():
        photo = _uploaded(app)
        assert path_url(photo) == "marathon-asset://uploads/2025/damisoa.png"
        fetcher = SafeURLFetcher()
        pdf = render_letter_pdf(make_content(name, photo_path=str(photo)), fetcher=fetcher)
        assert list(fetcher.fetched) == ["marathon-asset://uploads/2025/damisoa.png"]
        assert list(fetcher.refused) == []
        images = page_images(pdf, 0)
        assert images, "no picture on the front"
        # It fills the top of the front (148 x 80 mm), not some corner.
        assert images[0]["width"] > 140 * 72 / 25.4 * 0.95
        assert page_images(pdf, 1) == []  # the back: message and address only
        html = render_preview_html(make_content(name, photo_path=str(photo)))
        assert 'src="data:image/png;base64,' in html


def test_a_photo_of_the_case_folder_is_on_the_front_too(app, tmp_path: Path) -> None:
    app.config["CASES_DIR"] = str(tmp_path / "cases")
    with app.app_context():
        photo = png_photo(tmp_path / "cases" / "2025" / "damisoa")
        pdf = render_letter_pdf(make_content("postcard", photo_path=str(photo)))
        assert page_images(pdf, 0)


def test_the_fetcher_still_refuses_what_is_outside_its_roots(app, tmp_path: Path) -> None:
    with app.app_context():
        roots = asset_roots()
        assert set(roots) == {"fonts", "shared", "cases", "uploads"}
        outside = png_photo(tmp_path / "elsewhere")
        fetcher = SafeURLFetcher()
        with pytest.raises(RefusedURL, match="outside"):
            fetcher.fetch(outside.as_uri())
        # STORAGE_DIR is tmp_path/instance/storage: climbing out of case-photos reaches the file.
        climb = "marathon-asset://uploads/../../../elsewhere/photo.png"
        assert (roots["uploads"] / "../../../elsewhere/photo.png").resolve() == outside.resolve()
        with pytest.raises(RefusedURL, match="outside"):
            fetcher.fetch(climb)
        assert path_url(outside) is None
        # A letter pointing at it gets no picture (and never reads the file).
        pdf = render_letter_pdf(make_content("postcard", photo_path=str(outside)))
        assert page_images(pdf, 0) == []
        html = render_preview_html(make_content("postcard", photo_path=str(outside)))
        assert "data:image" not in html
