"""Events pages: joining, groups and events, hand counts, the QR code and the poster."""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from marathon.accounts.access import (
    admin_required,
    group_object_or_404,
    require_group,
    role_required,
    visible_group_ids,
)
from marathon.accounts.models import User
from marathon.cases.models import Case
from marathon.clock import to_local
from marathon.events import joined, service
from marathon.events.forms import EventForm, GroupForm, HandCountForm, JoinForm
from marathon.events.links import join_url
from marathon.events.models import Event
from marathon.extensions import db
from marathon.groups import service as group_service
from marathon.kinds import KIND_NAMES, plural_labels

blueprint = Blueprint("events", __name__, template_folder="templates")

KIND_LABELS = plural_labels()


# -- access: decided in one place, marathon.accounts.access ---------------------------------

staff_required = role_required("admin", "coordinator")


def _managed_event(event_id: int) -> Event:
    """The event, if the user may manage it (404 unknown, 403 another group's)."""
    return group_object_or_404(Event, event_id)


def _public_event(code: str) -> Event:
    event = service.event_by_code(code)
    if event is None:
        abort(404)
    return event


# -- public: joining and the QR code ------------------------------------------------------


@blueprint.route("/join", methods=["GET", "POST"])
def join() -> Any:
    """Type the code shown in the room."""
    form = JoinForm()
    if form.validate_on_submit():
        return redirect(url_for("events.join_code", code=form.code.data.strip()))
    return render_template("events/join.html", form=form, event=joined.joined_event()), (
        400 if form.errors else 200
    )


@blueprint.route("/join/<code>")
def join_code(code: str) -> Response:
    """Scanned QR code or typed code: remember the event, then go write."""
    event, status = joined.join(code)
    if status == "joined":
        flash(_("Welcome to %(title)s: the letters you write now count for it.", title=event.title))
    elif status == "closed":
        flash(
            _(
                "The event %(title)s has ended, so letters no longer count for it. You can "
                "still write: your letters count for the case.",
                title=event.title,
            ),
            "warning",
        )
    else:
        flash(
            _(
                "No event has the code %(code)s. Check the code shown in the room; you can "
                "still write, and your letters count for the case.",
                code=code[:20],
            ),
            "warning",
        )
    return redirect(url_for("cases.index"))


@blueprint.route("/join/leave", methods=["POST"])
def leave() -> Response:
    """Stop counting for the joined event."""
    joined.leave()
    flash(_("You left the event. Your next letters count for the cases only."))
    return redirect(url_for("cases.index"))


@blueprint.route("/events/<code>/qr.svg")
def qr_svg(code: str) -> Response:
    """The QR code of the event's join address, as SVG."""
    event = _public_event(code)
    buffer = io.BytesIO()
    segno.make(join_url(event), error="m").save(
        buffer, kind="svg", scale=10, border=2, xmldecl=False, svgns=True, title=event.join_code
    )
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# -- coordinators and admins -----------------------------------------------------------------


@blueprint.route("/events/")
@staff_required
def index() -> str:
    """The events the user manages."""
    return render_template(
        "events/index.html",
        events=service.events_for(visible_group_ids(current_user)),
        is_open=service.is_open,
    )


@blueprint.route("/events/groups", methods=["GET", "POST"])
@admin_required
def groups() -> Any:
    """Admins list and create groups."""
    form = GroupForm()
    status = 200
    if form.validate_on_submit():
        try:
            group = group_service.create_group(name=form.name.data, town=form.town.data)
        except group_service.GroupError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("Group %(name)s created.", name=group.name))
            return redirect(url_for("events.groups"))
    if form.errors:
        status = 400
    return render_template(
        "events/groups.html",
        form=form,
        groups=group_service.list_groups(),
        event_counts=service.event_counts_by_group(),
    ), status


def _group_choices(form: EventForm) -> None:
    if current_user.is_admin:
        form.group_id.choices = group_service.groups_for_select()
    else:
        group = current_user.group_id
        form.group_id.choices = [
            (gid, label) for gid, label in group_service.groups_for_select() if gid == group
        ]


@blueprint.route("/events/new", methods=["GET", "POST"])
@staff_required
def create() -> Any:
    """Create an event (coordinators: for their own group)."""
    form = EventForm()
    _group_choices(form)
    if not form.group_id.choices:
        flash(_("Create a group first, or ask an admin to add you to one."), "warning")
        return redirect(url_for("events.index"))
    if request.method == "GET" and not current_user.is_admin:
        form.group_id.data = current_user.group_id
    if form.validate_on_submit():
        require_group(form.group_id.data)
        try:
            event = service.create_event(
                group_id=form.group_id.data,
                title=form.title.data,
                place=form.place.data,
                starts_at=form.starts_at.data,
                ends_at=form.ends_at.data,
                goal=form.goal.data,
            )
        except service.EventError as error:
            form.title.errors.append(str(error))
        else:
            flash(_("Event created. Its code is %(code)s.", code=event.join_code))
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/edit.html", form=form, event=None), (400 if form.errors else 200)


@blueprint.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(event_id: int) -> Any:
    """Change an event's details (the join code stays)."""
    event = _managed_event(event_id)
    form = EventForm(obj=None if request.method == "POST" else event)
    form.group_id.choices = [(event.group_id, event.group.name)]
    if request.method == "GET":
        form.starts_at.data = to_local(event.starts_at).replace(tzinfo=None)
        form.ends_at.data = to_local(event.ends_at).replace(tzinfo=None)
    form.group_id.data = event.group_id
    if form.validate_on_submit():
        try:
            service.update_event(
                event,
                title=form.title.data,
                place=form.place.data,
                starts_at=form.starts_at.data,
                ends_at=form.ends_at.data,
                goal=form.goal.data,
                closed=form.closed.data,
            )
        except service.EventError as error:
            form.title.errors.append(str(error))
        else:
            flash(_("Event saved."))
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/edit.html", form=form, event=event), (
        400 if form.errors else 200
    )


@blueprint.route("/events/<int:event_id>")
@staff_required
def detail(event_id: int) -> str:
    """The event's page: code, QR, links, and its totals (the page to read after the day)."""
    event = _managed_event(event_id)
    return render_template(
        "events/detail.html",
        event=event,
        data=service.event_totals(event),
        join_url=join_url(event),
        is_open=service.is_open(event),
        kinds=KIND_NAMES,
        kind_labels=KIND_LABELS,
    )


@blueprint.route("/events/<int:event_id>/poster")
@staff_required
def poster(event_id: int) -> str:
    """A printable poster: QR code, code and address."""
    event = _managed_event(event_id)
    return render_template(
        "events/poster.html", event=event, join_url=join_url(event), join_page=join_url()
    )


@blueprint.route("/events/<int:event_id>/hand-counts", methods=["GET", "POST"])
@staff_required
def hand_counts(event_id: int) -> Any:
    """Enter handwritten letters and cards by case, from a phone; and the entries' history."""
    event = _managed_event(event_id)
    status = 200
    if request.method == "POST":
        form = HandCountForm()
        if form.validate_on_submit():
            try:
                result = service.add_hand_count(
                    event,
                    case_id=int(form.case_id.data),
                    kind=form.kind.data,
                    quantity=form.quantity.data,
                    idempotency_key=form.idempotency_key.data,
                    user_id=current_user.id,
                )
            except (service.EventError, ValueError) as error:
                flash(
                    str(error) if isinstance(error, service.EventError) else _("Choose a case."),
                    "error",
                )
                status = 400
            else:
                case = db.session.get(Case, result.entry.case_id)
                if result.created:
                    flash(
                        _(
                            "%(n)s added for %(person)s (%(kind)s): %(total)s in all.",
                            n=result.entry.quantity,
                            person=case.person,
                            kind=str(KIND_LABELS[result.entry.kind]),
                            total=result.total,
                        )
                    )
                else:
                    flash(_("This entry was already counted (sent twice); counted once."))
                anchor = f"case-{result.entry.case_id}"
                return redirect(url_for("events.hand_counts", event_id=event.id) + "#" + anchor)
        else:
            for errors in form.errors.values():
                for message in errors:
                    flash(str(message), "error")
            status = 400
    history = service.hand_count_history(event)
    return render_template(
        "events/hand_counts.html",
        event=event,
        cases=service.event_cases(event),
        case_kinds=service.case_kinds,
        totals=service.hand_totals(event),
        history=history,
        new_key=HandCountForm.fresh_key,
        form=HandCountForm(formdata=None),
        kind_labels=KIND_LABELS,
        users=_user_names(history),
    ), status


def _user_names(entries: list[Any]) -> dict[int, str]:
    ids = {entry.entered_by_id for entry in entries if entry.entered_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())
