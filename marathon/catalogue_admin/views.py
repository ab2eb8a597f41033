"""Admin pages of the case catalogue: the cases of the edition and their photos."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from marathon.accounts.access import admin_required
from marathon.cases.models import Case
from marathon.catalogue_admin.coverage import coverage_languages, translation_coverage
from marathon.catalogue_admin.forms import PhotoForm, RemoveForm
from marathon.catalogue_admin.service import clear_case_photo, set_case_photo
from marathon.catalogue_admin.uploads import (
    PhotoError,
    check_photo,
    max_photo_bytes,
)
from marathon.editions import current_edition
from marathon.extensions import db
from marathon.storage import uploaded_photo_path

blueprint = Blueprint("catalogue_admin", __name__, template_folder="templates")


def _case_or_404(slug: str) -> Case:
    case = db.session.scalars(
        select(Case).where(Case.edition == current_edition(), Case.slug == slug[:80])
    ).first()
    if case is None:
        abort(404)
    return case


@blueprint.route("/admin/cases")
@admin_required
def index() -> str:
    """The edition's cases, with whether each has a photo and whether it was uploaded."""
    cases = db.session.scalars(
        select(Case).where(Case.edition == current_edition()).order_by(Case.position, Case.slug)
    ).all()
    rows = [(case, uploaded_photo_path(case.edition, case.slug) is not None) for case in cases]
    return render_template("catalogue_admin/index.html", rows=rows)


@blueprint.route("/admin/cases/<slug>/photo", methods=["GET", "POST"])
@admin_required
def photo(slug: str) -> Any:
    """Upload or replace a case's photo."""
    case = _case_or_404(slug)
    form = PhotoForm()
    if request.method == "GET":
        form.credit.data = case.photo_credit
    if form.validate_on_submit():
        data = form.photo.data.stream.read(max_photo_bytes() + 1)
        try:
            checked = check_photo(data)
        except PhotoError as error:
            form.photo.errors = [*form.photo.errors, str(error)]
        else:
            set_case_photo(case.id, checked, form.credit.data)
            flash(_("The new photo of %(person)s is online.", person=case.person), "success")
            return redirect(url_for("catalogue_admin.photo", slug=case.slug))
    status = 422 if form.errors else 200
    return render_template(
        "catalogue_admin/photo.html",
        case=case,
        form=form,
        remove_form=RemoveForm(),
        uploaded=uploaded_photo_path(case.edition, case.slug) is not None,
        limit_mb=round(max_photo_bytes() / 1024 / 1024, 1),
    ), status


@blueprint.route("/admin/cases/<slug>/photo/remove", methods=["POST"])
@admin_required
def remove(slug: str) -> Any:
    """Remove the uploaded photo: the case folder's photo (if any) is shown again."""
    case = _case_or_404(slug)
    if RemoveForm().validate_on_submit() and clear_case_photo(case.id):
        flash(_("The uploaded photo was removed."), "success")
    else:
        flash(_("This case has no uploaded photo."), "error")
    return redirect(url_for("catalogue_admin.photo", slug=case.slug))


@blueprint.route("/admin/translations")
@admin_required
def translations() -> str:
    """The translator's view: which case × kind × language texts exist, which are missing."""

    cases = db.session.scalars(
        select(Case)
        .where(Case.edition == current_edition(), Case.active.is_(True))
        .order_by(Case.position, Case.slug)
    ).all()
    languages = coverage_languages()
    return render_template(
        "catalogue_admin/translations.html",
        rows=translation_coverage(list(cases), languages),
        languages=languages,
    )
