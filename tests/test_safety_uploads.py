"""Case photos uploaded by an admin: checked by content, size and dimensions, stored clean."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from marathon.extensions import db
from tests.factories import make_group, make_user
from tests.settings import FAST_CONFIG

pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False, MAX_PHOTO_BYTES=300_000)


@pytest.fixture
def admin(loaded_cases, auth) -> Any:
    app = loaded_cases
    make_user(app, "admin@example.org", role="admin")
    client = app.test_client()
    auth.login("admin@example.org", client=client)
    return client


def _case(app) -> Any:
    from marathon.cases.models import Case

    with app.app_context():
        case = db.session.query(Case).filter(Case.photo.isnot(None)).order_by(Case.position).first()
        db.session.expunge(case)
        return case


def _image(fmt: str, size=(400, 300), mode="RGB", exif: bool = False) -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS of where the picture was taken
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _upload(client, slug: str, data: bytes, name: str, credit: str = "") -> Any:
    return client.post(
        f"/admin/cases/{slug}/photo",
        data={"photo": (io.BytesIO(data), name), "credit": credit},
        content_type="multipart/form-data",
    )


def _stored(app, case) -> list[Path]:
    folder = Path(app.config["STORAGE_DIR"]) / "case-photos" / str(case.edition)
    return sorted(folder.glob(f"{case.slug}.*")) if folder.exists() else []


def test_a_jpeg_is_stored_without_its_metadata_and_served_instead_of_the_folders(app, admin):
    case = _case(app)
    original = admin.get(f"/cases/{case.slug}/photo").data
    response = _upload(admin, case.slug, _image("JPEG", exif=True), "me.jpg", credit="Photo: A.")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    [stored] = _stored(app, case)
    assert stored.suffix == ".jpg"
    data = stored.read_bytes()
    assert b"SecretCam" not in data and b"Exif" not in data
    with Image.open(stored) as image:
        assert image.size == (400, 300) and not image.getexif()
    served = admin.get(f"/cases/{case.slug}/photo")
    assert served.data == data != original
    assert served.mimetype == "image/jpeg"
    after = _case(app)
    assert after.photo_credit == "Photo: A."
    assert after.content_hash != case.content_hash  # the page's photo URL changes: no stale cache


def test_png_with_transparency_stays_png_and_webp_becomes_jpeg(app, admin):
    case = _case(app)
    assert _upload(admin, case.slug, _image("PNG", mode="RGBA"), "a.png").status_code == 302
    assert [p.suffix for p in _stored(app, case)] == [".png"]
    assert _upload(admin, case.slug, _image("WEBP"), "a.webp").status_code == 302
    assert [p.suffix for p in _stored(app, case)] == [".jpg"]  # the PNG was replaced


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)


@pytest.mark.parametrize(
    ("label", "data", "name", "message"),
    [
        ("svg", SVG, "photo.svg", "SVG pictures cannot be uploaded"),
        ("svg named jpg", SVG, "photo.jpg", "SVG pictures cannot be uploaded"),
        ("html", b"<html><script>alert(1)</script></html>", "p.png", "not a JPEG, PNG or WebP"),
        ("empty", b"", "p.jpg", "The file is empty"),
        ("truncated", _image("JPEG", size=(800, 600))[:600], "p.jpg", "damaged"),
        ("tiny", _image("PNG", size=(20, 20)), "p.png", "at least 100 pixels"),
        ("huge", _image("PNG", size=(9000, 150)), "p.png", "at most 8000 pixels"),
        ("too big", b"\xff\xd8\xff" + b"\0" * 400_000, "p.jpg", "smaller than 0.3 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_change_nothing(
    app, admin, label, data, name, message
):
    case = _case(app)
    response = _upload(admin, case.slug, data, name)
    assert response.status_code == 422, label
    assert message in response.get_data(as_text=True), label
    assert _stored(app, case) == []
    after = _case(app)
    assert (after.photo, after.content_hash) == (case.photo, case.content_hash)


def test_removing_the_upload_brings_back_the_folders_photo(app, admin):
    case = _case(app)
    original = admin.get(f"/cases/{case.slug}/photo").data
    _upload(admin, case.slug, _image("JPEG"), "a.jpg")
    assert admin.get(f"/cases/{case.slug}/photo").data != original
    assert admin.post(f"/admin/cases/{case.slug}/photo/remove").status_code == 302
    assert _stored(app, case) == []
    assert admin.get(f"/cases/{case.slug}/photo").data == original


def test_reloading_the_catalogue_keeps_the_upload(app, admin):
    from marathon.cases.service import load_cases

    case = _case(app)
    _upload(admin, case.slug, _image("JPEG"), "a.jpg")
    [stored] = _stored(app, case)
    with app.app_context():
        load_cases()
    assert admin.get(f"/cases/{case.slug}/photo").data == stored.read_bytes()


def test_only_admins_upload(app, admin, auth):
    case = _case(app)
    make_user(app, "coord@example.org", group_id=make_group(app))
    coordinator = app.test_client()
    auth.login("coord@example.org", client=coordinator)
    assert _upload(coordinator, case.slug, _image("JPEG"), "a.jpg").status_code == 403
    anonymous = app.test_client().get(f"/admin/cases/{case.slug}/photo")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert _stored(app, case) == []
    assert admin.get("/admin/cases").status_code == 200
    assert admin.get("/admin/cases/no-such-case/photo").status_code == 404


def _noisy(fmt: str) -> bytes:
    """A picture whose data does not compress away, so a cut leaves pixels undecoded."""
    import random

    rng = random.Random(7)
    image = Image.frombytes("RGB", (600, 400), bytes(rng.randrange(256) for _ in range(720_000)))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "name"), [("JPEG", "cut.jpg"), ("PNG", "cut.png"), ("WEBP", "cut.webp")]
)
def test_truncated_pictures_are_refused_even_after_weasyprint_relaxed_pillow(app, admin, fmt, name):
    """Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process."""
    import weasyprint  # noqa: F401  (what the app's render modules import)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    case = _case(app)
    whole = _noisy(fmt)
    app.config["MAX_PHOTO_BYTES"] = len(whole) * 2
    response = _upload(admin, case.slug, whole[: len(whole) * 2 // 3], name)
    assert response.status_code == 422
    assert "damaged or cannot be read" in response.get_data(as_text=True)
    assert _stored(app, case) == []
    # The process-wide setting WeasyPrint relies on is left as it was.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    # The whole picture goes through.
    assert _upload(admin, case.slug, whole, name).status_code == 302
