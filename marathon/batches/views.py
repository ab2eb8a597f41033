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
from marathon.batches import printing, service
from marathon.batches.forms import ActionForm, BatchForm
from marathon.batches.models import Batch
from marathon.extensions import db

blueprint = Blueprint("batches", __name__, template_folder="templates")


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {"product_labels": PRODUCT_LABELS, "status_labels": STATUS_LABELS}


staff_required = role_required("admin", "coordinator")

KIND_LABELS = {"appeal": _l("Appeal letters"), "card": _l("Cards"), "postcard": _l("Postcards")}
PRODUCT_LABELS = {
    "letters": _l("Letters"),
    "postcards": _l("Postcards"),
    "labels": _l("Address labels"),
}
STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "printed": _l("Printed"),
    "sent": _l("Sent"),
}


def _batch(batch_id: int) -> Batch:
    return group_object_or_404(Batch, batch_id)


def _choices(form: BatchForm) -> None:
    from marathon.cases.models import Case
    from marathon.events.models import Event, Group

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
    cases = select(Case).where(Case.edition == current_app.config["EDITION"])
    form.case_id.choices = everything + [
        (c.id, c.person) for c in db.session.scalars(cases.order_by(Case.position, Case.id))
    ]
    form.kind.choices = [("", _("All kinds"))] + [(k, str(v)) for k, v in KIND_LABELS.items()]
    form.language.choices = [("", _("All languages"))] + [
        (code, code.upper()) for code in current_app.config["LANGUAGES"]
    ]


@blueprint.route("/batches/")
@staff_required
def index() -> str:
    """The batches the user may see, newest first."""
    batches = db.session.scalars(service.visible_batches(current_user).limit(200)).all()
    return render_template("batches/index.html", batches=batches)


@blueprint.route("/batches/new", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    """Choose what to print, see the counts, start."""
    form = BatchForm()
    _choices(form)
    counts = None
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
        except service.BatchError as error:
            flash(str(error), "error")
    elif request.method == "POST":
        flash(_("Some choices are not valid: check the form."), "error")
    return render_template("batches/new.html", form=form, counts=counts)


@blueprint.route("/batches/<int:batch_id>")
@staff_required
def detail(batch_id: int) -> str:
    """A batch: progress (live), download, marking, retry."""
    batch = _batch(batch_id)
    return render_template(
        "batches/detail.html",
        batch=batch,
        status=service.status_payload(batch),
        can_retry=service.can_retry(batch),
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
    """The finished file; refused until the batch is done and its file is whole."""
    batch = _batch(batch_id)
    path = service.ready_file(batch)
    if path is None:
        abort(409, description=_("This batch is not finished yet: its file is not ready."))
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"marathon-batch-{batch.id}-{batch.product}-{batch.paper}.pdf",
    )


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
    """A new batch of the same letters, even if they were printed."""
    batch = _action(batch_id)
    try:
        again = printing.reprint_batch(batch, current_user)
    except service.BatchError as error:
        flash(str(error), "error")
        return redirect(url_for("batches.detail", batch_id=batch.id))
    return redirect(url_for("batches.detail", batch_id=again.id))
