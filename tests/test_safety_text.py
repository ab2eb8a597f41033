"""Text cleaning removes what can deceive and keeps what scripts and emoji need.

Removed: bidi embeddings, overrides and isolates ("Trojan Source": text shown in another order
than it is stored), other controls. Kept: zero-width joiners and non-joiners (emoji sequences,
Persian, Indic scripts), right-to-left marks, emoji tags. Checked through the API on SQLite and
PostgreSQL: what is stored is what is printed.
"""

from __future__ import annotations

import uuid

import pytest

from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.letters.service import clean_text
from tests.settings import FAST_CONFIG

FAMILY = "👩\u200d👩\u200d👧"  # one emoji: three people joined by ZWJ
RAINBOW_FLAG = "🏳\ufe0f\u200d🌈"
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # tag sequence
PERSIAN = "می\u200cخواهم"  # "I want": the ZWNJ keeps the prefix unjoined
DEVANAGARI = "क्\u200dष"  # ZWJ asks for the half form
ARABIC_WITH_RLM = "السلام\u200f 2025"
KEPT = (FAMILY, RAINBOW_FLAG, SCOTLAND, PERSIAN, DEVANAGARI, ARABIC_WITH_RLM)
DECEPTIVE = (
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u202d",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u2067",
    "\u2068",
    "\u2069",
    "\u206e",
    "\ufff9",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\ud800",  # a lone surrogate: no database stores it
)


pytestmark = pytest.mark.settings(FAST_CONFIG)


@pytest.mark.parametrize("text", KEPT)
def test_what_scripts_and_emoji_need_is_kept(text):
    assert clean_text(f"Hello {text} friend") == f"Hello {text} friend"
    assert clean_text(f"Line {text}\nnext", multiline=True) == f"Line {text}\nnext"


@pytest.mark.parametrize("char", DECEPTIVE)
def test_what_can_deceive_is_removed(char):
    assert clean_text(f"ab{char}cd") == "abcd"
    assert clean_text(f"ab{char}cd\nef", multiline=True) == "abcd\nef"


def test_a_tab_is_a_space_not_a_glued_word():
    assert clean_text("Dear\tMinister,\n\tI write", multiline=True) == "Dear Minister,\n I write"


def test_letters_keep_joiners_and_lose_overrides_through_the_api(client, loaded_cases, app):
    body = (
        f"Dear Sir or Madam, {FAMILY} {PERSIAN} {DEVANAGARI} {SCOTLAND}\n"
        "I write for her.\u202e.exe\u202c Please act. \u2066hidden\u2069"
    )
    response = client.post(
        "/api/v1/letters",
        json={
            "case": "damisoa",
            "kind": "appeal",
            "language": "en",
            "sender_name": f"Zoë {FAMILY}\u202e",
            "sender_town": PERSIAN,
            "body": body,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        letter = db.session.query(Letter).one()
        assert letter.sender_name == f"Zoë {FAMILY}"
        assert letter.sender_town == PERSIAN
        for kept in (FAMILY, PERSIAN, DEVANAGARI, SCOTLAND):
            assert kept in letter.body
        assert not any(char in letter.body for char in DECEPTIVE)
        assert "I write for her..exe Please act. hidden" in letter.body
