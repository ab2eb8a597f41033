"""The pre-filled, editable bodies: the case's own text first, else the template's."""

from __future__ import annotations

import pytest

from marathon.render.letters import default_body, template_languages
from marathon.render.templating import UnknownTemplate, paragraphs


@pytest.mark.parametrize("kind", ["appeal", "card", "postcard"])
def test_every_body_template_renders_with_the_person(kind: str) -> None:
    for language in template_languages(kind):
        body = default_body(kind, language, person="Damisoa", country_name="Madagascar", ask="")
        assert body.strip()
        if kind != "card":
            assert "Damisoa" in body


def test_the_ask_is_used_and_not_escaped_in_plain_text() -> None:
    body = default_body("appeal", "fr", person="Damisoa", ask="Libérez « Damisoa » & sa famille")
    assert "Libérez « Damisoa » & sa famille" in body
    assert "&amp;" not in body
    assert "\n\n" in body  # paragraphs survive


def test_the_case_own_text_is_preferred() -> None:
    assert default_body("appeal", "en", person="X", case_appeal_body=" Our text. ") == "Our text."
    assert default_body("card", "en", person="X", card_message="Hello!") == "Hello!"
    assert "X" in default_body("appeal", "en", person="X", case_appeal_body="   ")


def test_card_bodies_stay_away_from_politics() -> None:
    for language in template_languages("card"):
        body = default_body("card", language, person="Damisoa", ask="Release Damisoa now")
        assert "Release" not in body


def test_body_context_is_plain_data_in_a_sandbox() -> None:
    body = default_body("appeal", "en", person="{{ 7*7 }}", ask="{% raw %}")
    assert "{{ 7*7 }}" in body and "{% raw %}" in body


def test_unknown_template_is_reported() -> None:
    with pytest.raises(UnknownTemplate):
        default_body("postcard", "ar", person="X")


def test_paragraphs_escapes_everything() -> None:
    assert (
        str(paragraphs("<b>x</b>\r\ny\r\n\r\nz")) == "<p>&lt;b&gt;x&lt;/b&gt;<br>\ny</p>\n<p>z</p>"
    )
    assert str(paragraphs("")) == ""
