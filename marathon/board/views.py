"""The live board's pages: the projector's view and the figures it polls."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from marathon.board.queries import board_data, board_etag
from marathon.events.links import join_url
from marathon.events.models import Event
from marathon.events.service import event_by_code
from marathon.kinds import plural_labels

blueprint = Blueprint("board", __name__, template_folder="templates")


def _public_event(code: str) -> Event:
    event = event_by_code(code)
    if event is None:
        abort(404)
    return event


@blueprint.route("/events/<code>/board")
def show(code: str) -> str:
    """The projector's live board (public: counts and agreed first names only)."""
    event = _public_event(code)
    return render_template(
        "board/board.html",
        event=event,
        data=board_data(event),
        join_page=join_url(),
        kind_labels=plural_labels(),
    )


@blueprint.route("/events/<code>/board.json")
def figures(code: str) -> Response:
    """The board's figures; 304 while nothing changed (two cheap queries)."""
    event = _public_event(code)
    tag = board_etag(event)
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = jsonify(board_data(event))
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response
