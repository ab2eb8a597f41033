"""The pre-filled, editable bodies: the case's own text first, else the kind's fallback, which
speaks in the kind's voice to its recipient and never carries the volunteers' instructions."""

from __future__ import annotations

from datetime import date

import pytest
from jinja2 import meta

from marathon.kinds import FORMAL, KIND_NAMES, PERSONAL, kind
from marathon.render.letters import default_body, template_languages
from marathon.render.templating import UnknownTemplate, environment, letter_date, paragraphs

ALL_BODIES = [(name, language) for name in KIND_NAMES for language in template_languages(name)]
# What the case's ``ask`` (the volunteers' instruction) begins with, in each language: a fallback
# body mailed to anyone must never hold it.
INSTRUCTIONS = ("Demandez", "Call on", "Ask the", "Pide", "Vraag de", "Fordern Sie", "Bitten Sie")
# Words of an appeal, out of place in words of solidarity to the person.
POLITICS = ("droits", "rights", "derechos", "rechten", "Rechte", "حقوق", "autorit", "urge")


def test_every_kind_has_a_fallback_body_in_every_language_of_its_templates() -> None:
    assert {name for name, _ in ALL_BODIES} == set(KIND_NAMES)
    for name in KIND_NAMES:
        assert {"fr", "en", "es", "nl", "de", "ar"} <= set(template_languages(name)), name


@pytest.mark.parametrize(("kind_name", "language"), ALL_BODIES)
def test_a_fallback_body_knows_only_the_person_and_the_country(
    kind_name: str, language: str
) -> None:
    # By construction: the template cannot print the case's instructions, it is never given them.
    env = environment()
    source = env.loader.get_source(env, f"{kind_name}/{language}.body.txt")[0]
    assert meta.find_undeclared_variables(env.parse(source)) <= {"person", "country_name"}
    body = default_body(kind_name, language, person="Damisoa", country_name="Madagascar")
    assert body.strip()
    assert not any(instruction in body for instruction in INSTRUCTIONS), body


@pytest.mark.parametrize(("kind_name", "language"), ALL_BODIES)
def test_a_fallback_body_speaks_in_the_kinds_voice(kind_name: str, language: str) -> None:
    body = default_body(kind_name, language, person="Damisoa", country_name="Madagascar")
    if kind(kind_name).voice == FORMAL:
        # To the authority: about the person, by name.
        assert "Damisoa" in body
    else:
        assert kind(kind_name).voice == PERSONAL
        # To the person: warm words, no appeal to anyone about rights.
        assert not any(word in body for word in POLITICS), body


def test_the_case_own_text_is_preferred_and_printed_as_typed() -> None:
    assert default_body("appeal", "en", person="X", case_text=" Our text. ") == "Our text."
    assert default_body("card", "en", person="X", case_text="Hello!") == "Hello!"
    own = "Libérez « Damisoa » & sa famille"
    assert default_body("postcard", "fr", case_text=own) == own
    fallback = default_body("appeal", "en", person="X", case_text="   ")
    assert "X" in fallback
    assert "\n\n" in fallback  # paragraphs survive


def test_the_ask_cannot_be_given_to_a_fallback() -> None:
    with pytest.raises(TypeError):
        default_body("postcard", "fr", person="X", ask="Demandez la libération de X")  # type: ignore[call-arg]


def test_body_context_is_plain_data_in_a_sandbox() -> None:
    body = default_body("appeal", "en", person="{{ 7*7 }}", country_name="{% raw %}")
    assert "{{ 7*7 }}" in body and "{% raw %}" in body
    assert "&amp;" not in default_body("appeal", "en", person="A & B")


def test_unknown_template_is_reported() -> None:
    with pytest.raises(UnknownTemplate):
        default_body("postcard", "xx", person="X")
    with pytest.raises(UnknownTemplate):
        default_body("leaflet", "fr", person="X")


@pytest.mark.parametrize(
    ("day", "language", "paper", "expected"),
    [
        (date(2026, 12, 1), "fr", "a4", "1er décembre 2026"),
        (date(2026, 12, 2), "fr", "a4", "2 décembre 2026"),
        (date(2026, 12, 11), "fr", "a4", "11 décembre 2026"),
        (date(2026, 12, 21), "fr", "letter", "21 décembre 2026"),
        (date(2026, 12, 1), "en", "a4", "1 December 2026"),
        (date(2026, 12, 1), "en", "letter", "December 1, 2026"),
        (date(2026, 12, 1), "es", "a4", "1 de diciembre de 2026"),
        (date(2026, 12, 1), "nl", "a4", "1 december 2026"),
        (date(2026, 12, 1), "de", "a4", "1. Dezember 2026"),
    ],
)
def test_the_date_is_written_as_the_language_writes_it(
    day: date, language: str, paper: str, expected: str
) -> None:
    assert letter_date(day, language, paper) == expected


def test_paragraphs_escapes_everything() -> None:
    assert (
        str(paragraphs("<b>x</b>\r\ny\r\n\r\nz")) == "<p>&lt;b&gt;x&lt;/b&gt;<br>\ny</p>\n<p>z</p>"
    )
    assert str(paragraphs("")) == ""
