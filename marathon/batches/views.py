"""Batches pages: list, new (filters, preview counts, start), progress, download, marking."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from marathon.accounts.access import (
    group_object_or_404,
    role_required,
    visible_group_ids,
)
from marathon.batches import files as batch_files
from marathon.batches import printing, service
from marathon.batches.forms import ActionForm, BatchForm
from marathon.batches.labels import label_stock
from marathon.batches.models import Batch
from marathon.batches.postage import RatesError, load_rates
from marathon.batches.withdrawal import withdrawal_summary
from marathon.cases.models import Case
from marathon.editions import current_edition
from marathon.events.models import Event, Group
from marathon.extensions import db
from marathon.kinds import KINDS, kind_label, kind_plural

blueprint = Blueprint("batches", __name__, template_folder="templates")


@blueprint.context_processor
def _labels() -> dict[str, Any]:

    return {
        "product_labels": PRODUCT_LABELS,
        "status_labels": STATUS_LABELS,
        "paper_labels": PAPER_LABELS,
        "file_kind_label": lambda name: FILE_KIND_LABELS.get(name) or kind_plural(name),
        "kind_label": kind_label,
    }


staff_required = role_required("admin", "coordinator")

PRODUCT_LABELS = {
    "letters": _l("Letters, cards and postcards"),
    "postcards": _l("Postcards"),
    "labels": _l("Address labels"),
}
PAPER_LABELS = {"a4": _l("A4"), "letter": _l("US Letter")}
FILE_KIND_LABELS = {"contents": _l("Contents: the files and the envelopes"), "labels": _l("Labels")}
STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "printed": _l("Printed"),
    "sent": _l("Sent"),
}


WITHDRAWN_MESSAGES = {
    "deleted": _l(
        "The files of this batch were withdrawn: a letter in them was deleted by its writer, and "
        "the files printed the writer's name. Open the batch's page to rebuild it without the "
        "deleted letters."
    ),
    "retention": _l(
        "The files of this batch were deleted: the letters' retention period is over, and their "
        "writers' names may no longer be kept."
    ),
}


def _batch(batch_id: int) -> Batch:
    return group_object_or_404(Batch, batch_id)


def _refuse_if_withdrawn(batch: Batch) -> None:
    """410 Gone, saying why, for the downloads of a batch whose files were withdrawn."""
    if batch.withdrawn_at is not None:
        reason = batch.withdrawn_reason if batch.withdrawn_reason in WITHDRAWN_MESSAGES else None
        abort(410, description=str(WITHDRAWN_MESSAGES[reason or "deleted"]))


def _choices(form: BatchForm) -> None:

    groups = visible_group_ids(current_user)
    events = select(Event).order_by(Event.starts_at.desc())
    group_query = select(Group).order_by(Group.name)
    if groups is not None:
        events = events.where(Event.group_id.in_(groups or [-1]))
        group_query = group_query.where(Group.id.in_(groups or [-1]))
    everything = [(None, _("All"))]
    form.event_id.choices = everything + [(e.id, e.title) for e in db.session.scalars(events)]
    form.group_id.choices = ([] if groups is not None else everything) + [
        (g.id, g.name) for g in db.session.scalars(group_query)
    ]
    cases = select(Case).where(Case.edition == current_edition())
    form.case_id.choices = everything + [
        (c.id, c.person) for c in db.session.scalars(cases.order_by(Case.position, Case.id))
    ]
    form.kind.choices = [("", _("All kinds"))] + [
        (name, str(known.plural)) for name, known in KINDS.items()
    ]
    form.language.choices = [("", _("All languages"))] + [
        (code, code.upper()) for code in current_app.config["LANGUAGES"]
    ]


@blueprint.route("/batches/")
@staff_required
def index() -> str:
    """The batches the user may see, newest first."""
    batches = db.session.scalars(service.visible_batches(current_user).limit(200)).all()
    return render_template("batches/index.html", batches=batches)


def _stocks() -> dict[str, str]:

    return {paper: label_stock(paper) for paper in service.PAPERS}


def _postage_state() -> tuple[str, str]:
    """("none" | "ok" | "error", message) about the section's postage table."""

    try:
        rates = load_rates(current_app.config.get("POSTAGE_RATES_FILE"))
    except RatesError as problem:
        return "error", str(problem)
    if rates is None:
        return "none", ""
    return "ok", rates.currency


@blueprint.route("/batches/new", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    """Choose what to print, see the counts and files, start."""
    form = BatchForm()
    _choices(form)
    counts = None
    files = None
    if form.validate_on_submit():
        try:
            filters = service.scoped_filters(
                service.normalise_filters(form.filters()), current_user
            )
            if form.start.data:
                batch = service.start_batch(
                    form.product.data, filters, form.paper.data, current_user
                )
                return redirect(url_for("batches.detail", batch_id=batch.id))
            counts = service.preview_batch(filters, form.product.data, form.paper.data)
            files = service.preview_files(filters, form.product.data, form.paper.data)
        except service.BatchError as error:
            flash(str(error), "error")
    elif request.method == "POST":
        flash(_("Some choices are not valid: check the form."), "error")
    paper = form.paper.data if form.paper.data in service.PAPERS else "a4"
    return render_template(
        "batches/new.html",
        form=form,
        counts=counts,
        files=files,
        stocks=_stocks(),
        paper=paper,
        postage=_postage_state(),
    )


@blueprint.route("/batches/<int:batch_id>")
@staff_required
def detail(batch_id: int) -> str:
    """A batch: progress (live), its files to download, marking, retry."""
    batch = _batch(batch_id)
    return render_template(
        "batches/detail.html",
        batch=batch,
        status=service.status_payload(batch),
        can_retry=service.can_retry(batch),
        files=batch_files.batch_files(batch),
        is_zip=batch_files.is_zip(batch),
        withdrawal=withdrawal_summary(batch),
        failure_hint=service.failure_hint(batch),
        stock=_stocks()[batch.paper if batch.paper in service.PAPERS else "a4"],
        form=ActionForm(),
    )


@blueprint.route("/batches/<int:batch_id>/status.json")
@staff_required
def status(batch_id: int) -> Any:
    """The progress, polled every second by the page."""
    response = jsonify(service.status_payload(_batch(batch_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/batches/<int:batch_id>/download")
@staff_required
def download(batch_id: int) -> Any:
    """Every file of the batch, as one ZIP (one PDF for batches made before files were split)."""
    batch = _batch(batch_id)
    _refuse_if_withdrawn(batch)
    path = service.ready_file(batch)
    if path is None:
        abort(409, description=_("This batch is not finished yet: its file is not ready."))
    if batch_files.is_zip(batch):
        return send_file(
            path,
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"marathon-batch-{batch.id}-{batch.paper}.zip",
        )
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"marathon-batch-{batch.id}-{batch.product}-{batch.paper}.pdf",
    )


@blueprint.route("/batches/<int:batch_id>/files/<int:index>")
@staff_required
def download_file(batch_id: int, index: int) -> Any:
    """One file of the batch, checked whole against its recorded size."""
    batch = _batch(batch_id)
    _refuse_if_withdrawn(batch)
    opened = batch_files.open_file(batch, index)
    if opened is None:
        if batch.status in service.FINISHED and index >= len(batch.files or ()):
            abort(404)
        abort(409, description=_("This file is not ready, or no longer whole: make it again."))
    member, entry = opened
    response = send_file(
        member,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"marathon-batch-{batch.id}-{entry['name']}",
        etag=False,
        max_age=0,
    )
    response.content_length = entry["size"]
    return response


def _action(batch_id: int) -> Batch:
    batch = _batch(batch_id)
    if not ActionForm().validate_on_submit():
        abort(400, description=_("The form expired: reload the page and try again."))
    return batch


@blueprint.route("/batches/<int:batch_id>/mark/<any(printed, sent):status_name>", methods=["POST"])
@staff_required
def mark(batch_id: int, status_name: str) -> Any:
    """Mark the batch (and its letters) printed, then sent."""
    batch = _action(batch_id)
    try:
        printing.mark_batch(batch, status_name)
        flash(
            _(
                "Batch %(id)s marked %(status)s.",
                id=batch.id,
                status=str(STATUS_LABELS[status_name]),
            ),
            "success",
        )
    except service.BatchError as error:
        flash(str(error), "error")
    return redirect(url_for("batches.detail", batch_id=batch.id))


@blueprint.route("/batches/<int:batch_id>/retry", methods=["POST"])
@staff_required
def retry(batch_id: int) -> Any:
    """Run a failed (or stuck) batch again."""
    batch = _action(batch_id)
    try:
        service.retry_batch(batch)
        flash(_("The batch starts again."), "success")
    except service.BatchError as error:
        flash(str(error), "error")
    return redirect(url_for("batches.detail", batch_id=batch.id))


@blueprint.route("/batches/<int:batch_id>/reprint", methods=["POST"])
@staff_required
def reprint(batch_id: int) -> Any:
    """A new batch of the same letters, even if they were printed (deleted letters left out)."""
    batch = _action(batch_id)
    try:
        again = printing.reprint_batch(batch, current_user)
    except service.BatchError as error:
        flash(str(error), "error")
        return redirect(url_for("batches.detail", batch_id=batch.id))
    return redirect(url_for("batches.detail", batch_id=again.id))
