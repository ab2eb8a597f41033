"""Forms of the batches pages (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, SubmitField

from marathon.kinds import KINDS


def _optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class BatchForm(FlaskForm):
    """What to print: the product, the paper and the filters; Preview, then Start."""

    product = SelectField(
        _l("Print"),
        choices=[
            SelectChoice(
                "letters", _l("Letters, cards and postcards (one file per kind and paper size)")
            ),
            SelectChoice("labels", _l("Address labels")),
        ],
        default="letters",
    )
    paper = SelectField(
        _l("Paper"),
        choices=[SelectChoice("a4", _l("A4")), SelectChoice("letter", _l("US Letter"))],
        default="a4",
    )
    event_id = SelectField(_l("Event"), coerce=_optional_int, validate_choice=True)
    group_id = SelectField(_l("Group"), coerce=_optional_int, validate_choice=True)
    case_id = SelectField(_l("Case"), coerce=_optional_int, validate_choice=True)
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("", _l("All kinds")),
            *(SelectChoice(name, kind.plural) for name, kind in KINDS.items()),
        ],
        default="",
    )
    language = SelectField(_l("Language"), default="")
    unprinted = BooleanField(_l("Only letters not printed yet"), default=True)
    labels_per = SelectField(
        _l("Labels"),
        choices=[
            SelectChoice("letter", _l("One label per letter")),
            SelectChoice("destination", _l("One label per envelope")),
        ],
        default="letter",
    )
    preview = SubmitField(_l("Count letters and pages"))
    start = SubmitField(_l("Start the batch"))

    def filters(self) -> dict[str, object]:
        """The filters as the service takes them."""
        return {
            "event_id": self.event_id.data,
            "group_id": self.group_id.data,
            "case_id": self.case_id.data,
            "kind": self.kind.data or None,
            "language": self.language.data or None,
            "unprinted": bool(self.unprinted.data),
            "labels_per": self.labels_per.data if self.product.data == "labels" else None,
        }


class ActionForm(FlaskForm):
    """A button that changes a batch (mark printed/sent, retry, reprint): CSRF only."""
