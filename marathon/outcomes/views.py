"""Outcome pages: the admin's timeline editor and the public good-news page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from marathon.accounts.access import admin_required
from marathon.cases.models import OUTCOME_LABELS, Case, Outcome
from marathon.extensions import db
from marathon.outcomes import service as outcomes
from marathon.outcomes.forms import NOTE_LANGUAGES, DeleteForm, OutcomeForm
from marathon.web import edition_arg

blueprint = Blueprint("outcomes", __name__, template_folder="templates")


@blueprint.app_template_filter("outcome_label")
def outcome_label(kind: str) -> str:
    """The translated name of an outcome kind."""
    return str(OUTCOME_LABELS.get(kind, kind))


def _locale() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


@blueprint.route("/good-news")
def good_news() -> str:
    """Cases with good news, and the statistics computed from every case's outcomes."""
    positive, stats = outcomes.good_news()
    return render_template(
        "outcomes/good_news.html",
        positive=positive,
        stats=stats,
        labels=OUTCOME_LABELS,
        positive_kinds=outcomes.POSITIVE_OUTCOME_KINDS,
        freed_kinds=sorted(outcomes.FREED_KINDS),
        note_in=outcomes.note_in,
        locale=_locale(),
        format_date=format_date,
        format_percent=format_percent,
        fmt=format_decimal,
    )


@blueprint.route("/reports/outcomes")
@admin_required
def outcome_cases() -> str:
    """Every case of the edition with its timeline, to add, edit or delete outcomes."""
    edition = edition_arg()
    cases = db.session.scalars(
        select(Case).where(Case.edition == edition).order_by(Case.position, Case.slug)
    ).all()
    return render_template(
        "outcomes/outcomes.html",
        cases=cases,
        edition=edition,
        labels=OUTCOME_LABELS,
        note_in=outcomes.note_in,
        locale=_locale(),
        format_date=format_date,
        delete_form=DeleteForm(),
    )


def _form_values(form: OutcomeForm) -> dict[str, Any]:
    return {
        "day": form.date.data,
        "kind": form.kind.data,
        "notes": {lang: getattr(form, f"note_{lang}").data for lang in NOTE_LANGUAGES},
        "source_url": form.source_url.data,
    }


def _edit(case: Case, outcome: Outcome | None) -> Any:
    form = OutcomeForm(obj=None)
    if request.method == "GET" and outcome is not None:
        form.date.data, form.kind.data = outcome.date, outcome.kind
        form.source_url.data = outcome.source_url or ""
        for language in NOTE_LANGUAGES:
            getattr(form, f"note_{language}").data = outcome.notes.get(language, "")
    error = None
    if form.validate_on_submit():
        try:
            if outcome is None:
                outcomes.add_outcome(case, **_form_values(form))
                flash(_("The outcome was added."), "success")
            else:
                outcomes.update_outcome(outcome, **_form_values(form))
                flash(_("The outcome was saved."), "success")
        except outcomes.OutcomeError as problem:
            error = str(problem)
            field = getattr(form, problem.field or "", None)
            if field is not None:
                field.errors = [*field.errors, error]
        else:
            return redirect(url_for("outcomes.outcome_cases", edition=case.edition))
    elif request.method == "POST":
        error = _("Some fields need attention.")
    status = 422 if error else 200
    return render_template(
        "outcomes/outcome_form.html", form=form, case=case, outcome=outcome, error=error
    ), status


@blueprint.route("/reports/outcomes/<int:case_id>/new", methods=["GET", "POST"])
@admin_required
def outcome_new(case_id: int) -> Any:
    """Add an outcome to a case's timeline."""
    case = db.session.get(Case, case_id) or abort(404)
    return _edit(case, None)


@blueprint.route("/reports/outcomes/edit/<int:outcome_id>", methods=["GET", "POST"])
@admin_required
def outcome_edit(outcome_id: int) -> Any:
    """Change one outcome."""
    outcome = db.session.get(Outcome, outcome_id) or abort(404)
    return _edit(outcome.case, outcome)


@blueprint.route("/reports/outcomes/delete/<int:outcome_id>", methods=["POST"])
@admin_required
def outcome_delete(outcome_id: int) -> Any:
    """Remove one outcome."""
    outcome = db.session.get(Outcome, outcome_id) or abort(404)
    edition = outcome.case.edition
    if DeleteForm().validate_on_submit():
        outcomes.delete_outcome(outcome)
        flash(_("The outcome was deleted."), "success")
    else:
        flash(_("This form has expired. Please try again."), "error")
    return redirect(url_for("outcomes.outcome_cases", edition=edition))
