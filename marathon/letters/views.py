"""The write journey: choose a kind and a language, fill in, preview, write, download."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from marathon.cases.service import get_case
from marathon.events.joined import joined_event
from marathon.kinds import KIND_NAMES
from marathon.letters.content import default_body_for, draft_content
from marathon.letters.context import (
    default_paper,
    group_choices,
    throttle_writing,
)
from marathon.letters.forms import WriteForm
from marathon.letters.pdf import ensure_letter_pdf
from marathon.letters.service import (
    IDEMPOTENCY_KEY_PATTERN,
    DraftError,
    LetterDraft,
    letter_by_token,
    normalise_draft,
    offered_languages,
    validate_draft,
    write_letter,
)
from marathon.letters.storage import LetterGone
from marathon.render.letters import render_preview_html
from marathon.tally.service import case_total

blueprint = Blueprint("letters", __name__, template_folder="templates")

SUBMISSION_ID_MESSAGE = _l(
    "This form was changed or is damaged, so your letter was not saved. Please reload the page "
    "and write it again."
)
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "frame-ancestors 'self'"
)


def _case_or_404(slug: str) -> Any:

    case = get_case(slug)
    if case is None or not case.active:
        abort(404)
    return case


def _chosen(case: Any) -> tuple[str | None, str | None]:
    kind = request.args.get("kind")
    language = request.args.get("language")
    if kind not in KIND_NAMES or kind not in case.kinds:
        return None, None
    if language not in offered_languages(case, kind):
        return kind, None
    return kind, language


@blueprint.route("/cases/<slug>/write", methods=["GET", "POST"])
def write(slug: str) -> Any:
    """Step 1 chooses kind and language; step 2 is the form; a POST writes the letter."""
    case = _case_or_404(slug)
    kind, language = _chosen(case)
    if kind is None or language is None:
        return _choose_page(case, kind)

    form = WriteForm()
    form.group_id.choices = group_choices()
    event = joined_event()
    if request.method == "GET":
        form.submission_id.data = uuid.uuid4().hex
        form.body.data = default_body_for(case, kind, language)
        form.paper.data = session.get("paper") or default_paper()
        return _form_page(case, kind, language, form, event)

    submission_id = form.submission_id.data or ""
    if submission_id and not IDEMPOTENCY_KEY_PATTERN.match(submission_id):
        abort(400, description=str(SUBMISSION_ID_MESSAGE))
    form_valid = form.validate_on_submit()
    draft = normalise_draft(_draft_from_form(case.slug, kind, language, form))
    problems = validate_draft(draft, case)
    if not form_valid or problems:
        _attach_errors(form, problems)
        return _form_page(case, kind, language, form, event), 422
    limited = throttle_writing()
    if limited is not None:
        return limited
    key = f"form:{submission_id or uuid.uuid4().hex}"
    try:
        letter, _created = write_letter(
            draft,
            idempotency_key=key,
            event_id=event.id if event else None,
            group_id=(event.group_id if event else (form.group_id.data or None)),
        )
    except DraftError as error:
        _attach_errors(form, error.errors)
        return _form_page(case, kind, language, form, event), 422
    session["paper"] = draft.paper
    return redirect(url_for("letters.private", token=letter.private_token, new=1))


@blueprint.route("/cases/<slug>/write/preview", methods=["POST"])
def preview(slug: str) -> Response:
    """The letter as it will print, shown in the form's preview frame."""

    case = _case_or_404(slug)
    kind, language = _chosen(case)
    if kind is None or language is None:
        abort(404)
    form = WriteForm(meta={"csrf": False})  # CSRFProtect has already checked the token
    draft = normalise_draft(_draft_from_form(case.slug, kind, language, form))
    html = render_preview_html(draft_content(draft, case))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response


@blueprint.route("/letters/<token>")
def private(token: str) -> str:
    """The private page of a letter: thanks, download again, delete."""

    letter = letter_by_token(token)
    if letter is None:
        abort(404)
    return render_template(
        "letters/private.html",
        letter=letter,
        case=letter.case,
        just_written=request.args.get("new") == "1",
        case_total=case_total(letter.case_id),
    )


@blueprint.route("/letters/<token>/letter.pdf")
def pdf(token: str) -> Response:
    """The letter's PDF (rendered once, then served from storage)."""
    letter = letter_by_token(token)
    if letter is None or letter.purged_at is not None:
        abort(404)
    try:
        data = ensure_letter_pdf(letter)
    except LetterGone:
        abort(404)  # deleted while it rendered: nothing was kept
    response = Response(data, mimetype="application/pdf")
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="letter-{letter.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _attach_errors(form: WriteForm, errors: dict[str, str]) -> None:
    """Show service-level problems next to their fields (once), the others as a message."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            flash(message, "error")
        elif message not in field.errors:
            field.errors = [*field.errors, message]


def _draft_from_form(slug: str, kind: str, language: str, form: WriteForm) -> LetterDraft:
    return LetterDraft(
        case_slug=slug,
        kind=kind,
        language=language,
        sender_name=form.sender_name.data or "",
        sender_town=form.sender_town.data or "",
        sender_country=form.sender_country.data or "",
        personal_sentence=form.personal_sentence.data or "",
        body=form.body.data or "",
        paper=form.paper.data or "a4",
        window=form.window.data or "",
        share_first_name=bool(form.share_first_name.data),
    )


def _choose_page(case: Any, kind: str | None) -> str:
    kinds = [k for k in KIND_NAMES if k in case.kinds]
    languages = {k: offered_languages(case, k) for k in kinds}
    return render_template(
        "letters/choose.html",
        case=case,
        kinds=kinds,
        languages=languages,
        all_languages=list(dict.fromkeys(lang for k in kinds for lang in languages[k])),
        chosen_kind=kind or (kinds[0] if kinds else None),
        preferred_language=_preferred_language(case),
    )


def _preferred_language(case: Any) -> str:

    locale = str(get_locale() or current_app.config["DEFAULT_LOCALE"])
    return locale if locale in case.languages else (case.languages[0] if case.languages else "")


def _form_page(case: Any, kind: str, language: str, form: WriteForm, event: Any) -> str:
    used_language, texts = case.text(language)
    return render_template(
        "letters/write.html",
        case=case,
        kind=kind,
        language=language,
        form=form,
        event=event,
        texts=texts,
        text_language=used_language,
    )
