"""Weights and postage on the cover sheets: weight and count always, a price only from the
section's own rates table (the rate in force today for the weight's step)."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marathon.batches import postage, service
from marathon.extensions import db
from tests.batches_support import batch_files, envelopes_of, make_case, make_letters, page_texts

RATES = """
currency = "EUR"

[zones]
domestic = ["FR", "MC"]
world = ["*"]

[[rates]]
zone = "domestic"
from = 2020-01-01
steps = [
  { up_to = 20, price = 0.50 },
  { up_to = 100, price = 1.00 },
  { up_to = 250, price = 2.00 },
]

[[rates]]
zone = "world"
from = 2020-01-01
steps = [
  { up_to = 20, price = 1.50 },
  { up_to = 100, price = 3.00 },
  { up_to = 250, price = 6.00 },
]

# A later rate that is not in force yet: never used before its date.
[[rates]]
zone = "world"
from = 2999-01-01
steps = [
  { up_to = 20, price = 9.10 },
  { up_to = 100, price = 9.20 },
  { up_to = 250, price = 9.30 },
]

[[rates]]
zone = "world"
item = "postcard"
from = 2021-06-01
steps = [ { up_to = 20, price = 1.20 } ]
"""
TABLE = {"FR": [(20, "0.50"), (100, "1.00"), (250, "2.00")]}
WORLD = [(20, "1.50"), (100, "3.00"), (250, "6.00")]


def _price(country: str, grams: int) -> str:
    for up_to, price in TABLE.get(country, WORLD):
        if grams <= up_to:
            return price
    raise AssertionError(grams)


def _cases_and_letters() -> None:
    amina = make_case("amina", "Amina Rakoto", authority="Rabe Ministry", card_to="Amnesty Paris")
    make_letters(2, case_ids=[amina], kind="appeal")
    make_letters(3, case_ids=[amina], kind="card")
    make_letters(2, case_ids=[amina], kind="postcard")


def _covers(app) -> list[dict]:
    batch = service.start_batch("letters", {}, "a4")
    db.session.refresh(batch)
    assert batch.status == "done", batch.error
    covers = []
    for _entry, data in batch_files(app, batch)[1:]:
        covers += [cover for cover, _pages in envelopes_of(data)]
    assert [cover["label"] for cover in covers] == [
        "Appeal letters",
        "Appeal postcards",
        "Cards of solidarity",
    ]
    return covers


def test_without_a_rates_file_covers_show_weight_and_count_but_no_price(app):
    with app.app_context():
        assert not Path(app.config["POSTAGE_RATES_FILE"]).exists()  # none is shipped
        _cases_and_letters()
        letters, postcards, cards = _covers(app)
        # The stated assumptions: 80 g/m² A4 sheets (4.99 g) in a DL envelope (5 g); A5 cards
        # on 250 g/m² (7.77 g) in a C5 envelope (9 g); A6 postcards on 300 g/m² (4.66 g).
        assert letters["count"] == 2 and letters["grams"] == math.ceil(2 * 4.99 + 5)
        assert cards["count"] == 3 and cards["grams"] == math.ceil(3 * 7.77 + 9)
        assert postcards["count"] == 2 and postcards["grams"] == 5
        flat = {name: c["text"].replace("\n", " ") for name, c in (("p", postcards), ("c", cards))}
        assert "each postcard" in flat["p"] and "with its own stamp" in flat["p"]
        assert "goes together in one envelope to this address" in flat["c"]
        for cover in (letters, postcards, cards):
            assert cover["postage"] is None
            assert "€" not in cover["text"] and "EUR" not in cover["text"]


class TestWithRates:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
        rates = tmp_path / "postage.toml"
        rates.write_text(RATES, encoding="utf-8")
        app_config["POSTAGE_RATES_FILE"] = str(rates)
        return app_config

    def test_covers_show_the_rate_in_force_today_for_the_weight_step(self, app):
        with app.app_context():
            _cases_and_letters()
            letters, postcards, cards = _covers(app)
            assert letters["country"].endswith("(MG)") and cards["country"].endswith("(FR)")
            assert f"€{_price('MG', letters['grams'])}" in letters["postage"]
            assert f"€{_price('FR', cards['grams'])}" in cards["postage"]
            # A postcard pays the postcard rate, each; the cover gives the total too.
            assert "€1.20 each" in postcards["postage"] and "€2.40 for all" in postcards["postage"]
            for cover in (letters, postcards, cards):
                assert "9.1" not in cover["text"] and "9.2" not in cover["text"]
                assert "Rate in force since" in cover["text"]

    def test_contents_sheet_gives_each_envelopes_postage(self, app):
        with app.app_context():
            _cases_and_letters()
            batch = service.start_batch("letters", {}, "a4")
            db.session.refresh(batch)
            (_entry, data), *files = batch_files(app, batch)
            text = "\n".join(page_texts(data))
            assert "€1.20" in text and "9.20" not in text
            recorded = [e["postage"] for entry, _d in files for e in entry["envelopes"]]
            assert all(item and item["currency"] == "EUR" for item in recorded)


# The tests below need no app (nor database): they run once.


def _rates() -> postage.Rates:
    import tomllib

    return postage.parse_rates(tomllib.loads(RATES))


def test_the_latest_rate_not_after_the_day_applies():
    rates = _rates()
    today = date(2025, 3, 1)
    assert postage.postage_for(rates, "MG", "letter", 20, today).price == Decimal("1.50")
    assert postage.postage_for(rates, "MG", "letter", 21, today).price == Decimal("3.00")
    later = postage.postage_for(rates, "MG", "letter", 21, date(2999, 1, 1))
    assert later.price == Decimal("9.20") and later.starts == date(2999, 1, 1)
    assert postage.postage_for(rates, "MG", "letter", 10, date(2019, 12, 31)) is None


def test_a_named_country_wins_over_the_catch_all_and_postcards_fall_back():
    rates = _rates()
    today = date(2025, 3, 1)
    assert postage.postage_for(rates, "fr", "letter", 50, today).price == Decimal("1.00")
    assert postage.postage_for(rates, "MG", "postcard", 5, today).price == Decimal("1.20")
    # No postcard rate for France: a postcard pays the letter rate.
    assert postage.postage_for(rates, "FR", "postcard", 5, today).price == Decimal("0.50")
    # Before the postcard rate existed, a postcard abroad paid the letter rate too.
    assert postage.postage_for(rates, "MG", "postcard", 5, date(2021, 1, 1)).price == Decimal(
        "1.50"
    )
    # Heavier than the last step: no price (ask at the counter).
    assert postage.postage_for(rates, "MG", "letter", 251, today) is None
    assert postage.postage_for(None, "MG", "letter", 20, today) is None
    assert postage.postage_for(rates, "", "letter", 20, today) is None  # no address, no price


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('currency = "EUR"', "no [[rates]]"),
        ('[[rates]]\nzone="x"\nfrom=2020-01-01\nsteps=[{up_to=20, price=1}]', "currency"),
        (
            'currency="EUR"\n[[rates]]\nzone="x"\nfrom=2020-01-01\nsteps=[{up_to=20, price=1}]',
            "not listed",
        ),
        ('currency="EUR"\n[[rates]]\ncountries=["FR"]\nfrom="soon"\nsteps=[]', "from must be"),
        (
            'currency="EUR"\n[[rates]]\ncountries=["FR"]\nfrom=2020-01-01\nsteps=[{up_to=20}]',
            "step",
        ),
    ],
)
def test_a_malformed_table_is_refused_with_a_reason(tmp_path, text, message):
    file = tmp_path / "postage.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(postage.RatesError, match=re.escape(message)):
        postage.load_rates(file)
    assert postage.load_rates(tmp_path / "none.toml") is None


def test_weights_follow_the_stated_assumptions():
    # A 3-page letter is 2 sheets; 6 such letters (12 sheets) go flat in a C4 envelope.
    assert postage.sheets_of("appeal", 3) == 2
    six = postage.estimate("appeal", "a4", [("a4", 2)] * 6)
    assert six.envelope is postage.C4 and six.grams == math.ceil(12 * 4.99 + 20)
    assert postage.estimate("card", "letter", [("a4", 1)] * 3).envelope is postage.US_6X9
    alone = postage.estimate("postcard", "a4", [("a4", 1)] * 7)
    assert alone.per_item and alone.envelope is None and alone.grams == 5
    assert postage.estimate("solidarity_postcard", "a4", [("a4", 1)] * 4).envelope is postage.C6
