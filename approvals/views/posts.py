"""Posts in the browser: compose and edit (with the live policy check), and the post's page
(its content, what changed, findings, review progress, discussion, actions, timeline).

Thin views, as in approvals/api/: resolve the post through `selectors.post_for` (404 when
missing or not visible), call the action, render. Domain errors become a message on the page
with their HTTP status (core/errors.py); a stale version is 409 with both versions shown
and nothing the user typed lost.
"""

import re
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from core.errors import DomainError, NotVisible, PermissionDenied, StaleVersion, ValidationFailed
from governance import permissions, platforms
from governance import selectors as governance_selectors
from governance.diffs import diff_lines
from governance.rules import engine, length

from .. import actions, selectors
from .. import permissions as post_permissions
from ..forms import CommentForm, FindingDismissalForm, PostForm, UsernamesField, action_form
from ..models import Comment, Post, Revision
from ..selectors import evidence
from ..workflow import PAGE_ACTIONS, Action, spec_for_slug


def _page(view):
    """Signed in; NotVisible is a 404 page (missing and hidden alike), PermissionDenied a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotVisible as exc:
            raise Http404(exc.detail) from exc
        except PermissionDenied as exc:
            return render(request, "forbidden.html", {"reason": exc.detail}, status=403)

    return wrapper


# --- the live check ---------------------------------------------------------------------------


@dataclass
class Segment:
    text: str
    severity: str = ""


_RANK = {"warn": 1, "escalate": 2, "block": 3}


def highlighted(body: str, findings) -> list[Segment]:
    """`body` cut into runs, each marked with the strictest severity of the body's findings covering
    it (the template escapes every run); findings in the other fields are listed, not marked here."""
    marks = [""] * len(body)
    for finding in findings:
        if finding.field != "body":
            continue
        for i in range(max(finding.start, 0), min(finding.end, len(body))):
            if _RANK[finding.severity] > _RANK.get(marks[i], 0):
                marks[i] = finding.severity
    segments: list[Segment] = []
    for char, mark in zip(body, marks, strict=True):
        if segments and segments[-1].severity == mark:
            segments[-1].text += char
        else:
            segments.append(Segment(char, mark))
    return segments


def live_check(channel, *, body: str, title="", link="", media_url="", media_alt_text="", scheduled_at=None,
               consent=None, author=None) -> dict:  # fmt: skip
    """Counter, findings, highlighted text and platform preview of a draft on `channel`."""
    count, limit = length.count_and_limit(channel.platform, body, link)
    draft = engine.Draft(
        body=body,
        title=title,
        link=link,
        media_url=media_url,
        media_alt_text=media_alt_text,
        scheduled_at=scheduled_at,
        author=author,
        consent=consent,
    )
    result = engine.check(channel, draft)
    findings = result.findings
    return {
        "channel": channel,
        "crisis": result.crisis,
        "count": count,
        "limit": limit,
        "unit": length.unit(channel.platform),
        "over": limit is not None and count > limit,
        "near": limit is not None and count > limit * 0.9,
        "findings": findings,
        "blocked": any(f.severity == "block" for f in findings),
        "segments": highlighted(body, findings),
        "short_form": platforms.preview_layout(channel.platform) == "short",
        "content": {"title": title, "body": body, "link": link, "media_url": media_url, "alt": media_alt_text},
    }


def _check_from_form(form, channel, user) -> dict | None:
    """The live check of whatever the form holds, valid or not (the text as typed)."""
    if channel is None:
        return None
    data = form.data if form.is_bound else None
    if data is None:
        initial = form.initial
        values = {name: initial.get(name) or "" for name in Revision.CONTENT_FIELDS}
        scheduled_at, consent_id = initial.get("scheduled_at"), initial.get("consent")
    else:
        values = {name: data.get(name, "") for name in Revision.CONTENT_FIELDS}
        scheduled_at = form.cleaned_data.get("scheduled_at") if hasattr(form, "cleaned_data") else None
        consent_id = data.get("consent")
    consent = None
    if consent_id:
        consent = next((c for c in form.fields["consent"].queryset if str(c.pk) == str(consent_id)), None)
    return live_check(channel, **values, scheduled_at=scheduled_at, consent=consent, author=user)


@require_POST
@_page
def check(request):
    """The htmx partial of the compose page: counter, findings, preview (nothing is saved)."""
    post = None
    if request.POST.get("post"):
        post = selectors.post_for(request.user, request.POST["post"])
    form = PostForm(request.POST, user=request.user, post=post)
    form.is_valid()  # for the parsed time; the text is checked as typed
    channel = post.channel if post else form.cleaned_data.get("channel")
    live = _check_from_form(form, channel, request.user)
    return render(request, "approvals/posts/_live.html", {"live": live, "oob": True})


# --- compose and edit -------------------------------------------------------------------------


def _content(data: dict) -> dict:
    return {name: data[name] for name in (*Revision.CONTENT_FIELDS, "scheduled_at", "consent")}


def _co_authors(form, post=None) -> list | None:
    """The users the form names as co-authors, in one query; an unknown name is a field error.
    The post's present co-authors are known by name even if their account was deactivated since
    (keeping them is no change). None: the form did not send the field at all, so the post's
    co-authors stay as they are."""
    if "co_authors" not in form.data or not form.is_valid():
        return None
    present = {user.username: user for user in post.co_authors.all()} if post else {}  # prefetched
    names = form.cleaned_data["co_authors"]
    found, unknown = selectors.users_named([name for name in names if name not in present])
    by_name = {**present, **{user.username: user for user in found}}
    users = [by_name[name] for name in names if name in by_name]
    if unknown:
        form.add_error("co_authors", f"No such user: {', '.join(unknown)}. Type usernames, separated by commas.")
        return None
    return users


def _problems(exc: DomainError) -> list[tuple[str, str]]:
    return [
        (name, str(problem))
        for name, problems in (exc.errors or {}).items()
        for problem in (problems if isinstance(problems, list) else [problems])
    ]


def attach_errors(form, exc: DomainError) -> None:
    """The action's errors next to their fields; its sentence on top unless it repeats one."""
    problems = _problems(exc)
    if exc.detail != type(exc).default_detail and exc.detail not in [p for _, p in problems]:
        form.add_error(None, exc.detail)
    for name, problem in problems:
        form.add_error(name if name in form.fields else None, problem)


def _render_form(request, form, *, post=None, status=200, conflict=None, blocked=None):
    channel = post.channel if post else (form.cleaned_data.get("channel") if hasattr(form, "cleaned_data") else None)
    if channel is None and form.is_bound and not hasattr(form, "cleaned_data"):
        form.is_valid()
        channel = form.cleaned_data.get("channel")
    context = {
        "form": form,
        "post": post,
        "live": _check_from_form(form, channel, request.user),
        "conflict": conflict,
        "blocked": blocked,
    }
    return render(request, "approvals/posts/compose.html", context, status=status)


def _submit(request, post, form):
    """Submit the saved post; a policy block (or another refusal) re-renders the form, saved."""
    try:
        actions.submit(post, actor=request.user, expected_version=post.version)
    except ValidationFailed as exc:
        post = selectors.post_for(request.user, post.pk)
        form = PostForm(initial=PostForm.initial_for(post), user=request.user, post=post)
        blocked = {
            "detail": exc.detail,
            "findings": exc.extra.get("findings", []),
            "edit_url": reverse("posts:edit", args=[post.pk]),
        }
        return _render_form(request, form, post=post, status=400, blocked=blocked)
    messages.success(request, "Submitted for review.")
    return redirect("posts:detail", post_id=post.pk)


@require_http_methods(["GET", "POST"])
@_page
def compose(request):
    """A new post on a channel the user may draft on: save it as a draft, or save and submit."""
    if request.method == "GET":
        form = PostForm(user=request.user, initial={"channel": request.GET.get("channel")})
        if not form.fields["channel"].queryset.exists():
            raise PermissionDenied("You may not draft on any channel. Ask your department's manager.")
        return _render_form(request, form)
    form = PostForm(request.POST, user=request.user)
    co_authors = _co_authors(form)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    data = form.cleaned_data
    try:
        post = actions.create_post(
            actor=request.user, channel=data["channel"], co_authors=co_authors or [], **_content(data)
        )
    except ValidationFailed as exc:
        attach_errors(form, exc)
        return _render_form(request, form, status=400)
    except PermissionDenied as exc:
        form.add_error(None, exc.detail)
        return _render_form(request, form, status=403)
    if "submit" in request.POST:
        return _submit(request, post, form)
    messages.success(request, "Saved as a draft.")
    return redirect("posts:edit", post_id=post.pk)


@require_http_methods(["GET", "POST"])
@_page
def edit(request, post_id):
    """Change a post (a new revision, approvals voided): save, or save and submit. A stale
    version shows what is saved now next to what the user typed, which stays in the form."""
    post = selectors.post_for(request.user, post_id)
    # Who sees the post but may not edit it (a reviewer, a compliance officer) gets a 403 page,
    # not a form they could never save.
    post_permissions.require(Action.EDIT, request.user, post)
    if request.method == "GET":
        form = PostForm(initial=PostForm.initial_for(post), user=request.user, post=post)
        return _render_form(request, form, post=post)
    form = PostForm(request.POST, user=request.user, post=post)
    co_authors = _co_authors(form, post)
    if not form.is_valid():
        return _render_form(request, form, post=post, status=400)
    data = form.cleaned_data
    changes = _content(data)
    if co_authors is not None:
        changes["co_authors"] = co_authors
    try:
        saved = actions.edit_post(post, actor=request.user, expected_version=data["version"], **changes)
    except StaleVersion as exc:
        return _render_conflict(request, post_id=post.pk, typed=request.POST, detail=exc.detail)
    except DomainError as exc:
        attach_errors(form, exc)
        return _render_form(request, form, post=post, status=exc.status_code)
    if co_authors is not None and request.user.pk not in {saved.author_id, *(user.pk for user in co_authors)}:
        # A co-author who took themselves off the post may no longer edit (nor submit) it.
        messages.success(request, f"Saved. You are no longer a co-author of post #{saved.pk}.")
        return redirect("dashboard")
    if "submit" in request.POST:
        return _submit(request, saved, form)
    if saved.version == data["version"]:
        messages.info(request, "Nothing changed.")
    else:
        messages.success(request, f"Saved: revision {saved.current_revision.number}, now a draft.")
    return redirect("posts:edit", post_id=saved.pk)


def _co_author_scope(request) -> tuple:
    """(channel, author id) of the post whose co-authors are being picked: the post being edited
    (`post`; only its authors may pick), or the channel chosen on the compose page (`channel`;
    one the user may draft on). Anything else is 404: the list must never show who may draft on
    a channel the caller may not draft on."""
    if request.GET.get("post"):
        post = selectors.posts_visible_to(request.user).filter(pk=_post_id(request.GET["post"])).first()
        if post is None:
            raise NotVisible("No such post.")
        post_permissions.require(Action.EDIT, request.user, post)
        return post.channel, post.author_id
    slug = request.GET.get("channel", "")
    if not slug:
        return None, request.user.pk
    channel = governance_selectors.channels_visible_to(request.user, perm=permissions.DRAFT).filter(slug=slug).first()
    if channel is None:
        raise NotVisible("No such channel.")
    return channel, request.user.pk


def _post_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise NotVisible("No such post.") from None


@require_GET
@_page
def co_author_suggestions(request):
    """The htmx partial under the co-author box: at most ten people who may draft on the post's
    channel whose username or name starts with what is being typed (the text after the last
    comma). With `add` (a suggestion picked): the box itself, that username in place of what
    was being typed. Nothing is saved; the action checks the co-authors when the post is."""
    channel, author_id = _co_author_scope(request)
    typed = request.GET.get("co_authors", "")[: UsernamesField.MAX_LENGTH]
    *done, current = re.split(r"[,\s]+", typed)
    done = [name for name in done if name]
    if added := request.GET.get("add", "").strip():
        names = list(dict.fromkeys([*done, added]))
        context = {"value": ", ".join(names) + ", ", "autofocus": True}
        return render(request, "approvals/posts/_co_authors.html", context)
    suggestions = []
    if channel is not None:
        suggestions = selectors.co_author_suggestions(channel, text=current, author_id=author_id, chosen=done)
    context = {"suggestions": suggestions, "channel": channel, "text": current.strip()}
    return render(request, "approvals/posts/_co_author_suggestions.html", context)


def _revision_lines(content: dict) -> list[str]:
    lines = [f"Title: {content.get('title', '')}", ""]
    lines += (content.get("body") or "").splitlines() or [""]
    lines += ["", f"Link: {content.get('link', '')}", f"Image: {content.get('media_url', '')}"]
    lines.append(f"Alt text: {content.get('media_alt_text', '')}")
    return lines


def content_diff(before: dict | None, after: dict, before_label: str, after_label: str) -> list[tuple[str, str]]:
    """A unified diff of two revisions' content as (kind, line): add, del, hunk, file or same."""
    old = _revision_lines(before) if before is not None else []
    return diff_lines(old, _revision_lines(after), before_label, after_label, context=2)


def _render_conflict(request, *, post_id, typed, detail):
    """409: the post changed since the form was loaded. Theirs as saved now, ours as typed; the
    form keeps ours and carries the new version, so that saving again is a deliberate choice."""
    post = selectors.post_for(request.user, post_id)
    data = typed.copy()
    loaded_version = data.get("version")
    data["version"] = str(post.version)
    form = PostForm(data, user=request.user, post=post)
    form.is_valid()
    theirs = post.current_revision.content()
    mine = {name: typed.get(name, "") for name in Revision.CONTENT_FIELDS}
    last_change = (
        AuditEvent.objects.filter(target_type="approvals.post", target_id=str(post.pk)).order_by("-seq").first()
    )
    conflict = {
        "detail": detail,
        "loaded_version": loaded_version,
        "post": post,
        "theirs": theirs,
        "mine": mine,
        "last_change": last_change,
        "diff": content_diff(theirs, mine, f"saved now (version {post.version})", "what you typed"),
    }
    return _render_form(request, form, post=post, status=409, conflict=conflict)


# --- the post's page --------------------------------------------------------------------------


def _comment_tree(comments: list[Comment]) -> list[Comment]:
    """Top-level comments, each with `.replies_list` (nested), oldest first."""
    by_parent: dict[int | None, list[Comment]] = {}
    for comment in comments:
        by_parent.setdefault(comment.parent_id, []).append(comment)
    for comment in comments:
        comment.replies_list = by_parent.get(comment.pk, [])
    return by_parent.get(None, [])


def _event_summary(event: AuditEvent) -> str:
    data = event.data or {}
    before, after = (data.get("before") or {}).get("state"), (data.get("after") or {}).get("state")
    parts = [f"{before} → {after}" if before and after and before != after else ""]
    for key in ("comment", "reason"):
        if data.get(key):
            parts.append(f"“{data[key]}”")
    if data.get("changed"):
        parts.append("changed: " + ", ".join(data["changed"]))
    co_authors = data.get("co_authors")
    if isinstance(co_authors, dict):  # an edit: who before, who after
        was, now = (", ".join(co_authors[key]) or "none" for key in ("before", "after"))
        parts.append(f"co-authors: {was} → {now}")
    elif co_authors:  # the creation
        parts.append("co-authors: " + ", ".join(co_authors))
    if data.get("stages"):
        parts.append("stages: " + ", ".join(data["stages"]))
    if data.get("remote_url"):
        parts.append(data["remote_url"])
    return " · ".join(p for p in parts if p)


def _timeline(post: Post) -> tuple[list[dict], dict | None]:
    """The post's history from its audit events (one query), and the evidence of its latest
    publication (`selectors.evidence`: the approved and sent hashes and whether they match)."""
    events = evidence.post_events(post.pk, limit=None)
    rows = [
        {
            "event": event,
            "verb": event.action.removeprefix("approvals.post.").replace("_", " "),
            "summary": _event_summary(event),
            "hash": (event.data or {}).get("content_hash"),
        }
        for event in events
    ]
    latest = evidence.evidence_for(post.pk, events=events).latest
    if latest is None:
        return rows, None
    return rows, {
        "event": latest.event,
        "remote_url": latest.remote_url or post.remote_url,
        "remote_id": latest.remote_id or post.remote_id,
        "approved_hash": latest.approved_hash,
        "sent_hash": latest.sent_hash,
        "match": latest.matches,
        "by_hand": latest.by_hand,
    }


# After a decision on a post's page, the page says which post waits on the reviewer next (the
# one that has waited longest), so that a reviewer with a full queue goes on in one click.
NEXT_IN_QUEUE = "clearpost_next_in_queue"


def _remember_next_in_queue(request, decided: Post) -> None:
    waiting = selectors.queue_page(request.user, selectors.QueueFilters(), limit=2)
    following = [p for p in waiting if p.pk != decided.pk]
    request.session[NEXT_IN_QUEUE] = (
        {"id": following[0].pk, "title": following[0].title or f"Post #{following[0].pk}"} if following else {}
    )


def _detail_context(request, post: Post) -> dict:
    revision = post.current_revision
    previous = post.revisions.filter(number__lt=revision.number).order_by("-number").first()
    timeline, evidence = _timeline(post)
    comments = list(Comment.objects.filter(post=post).select_related("author", "revision"))
    available = post_permissions.available_actions(request.user, post)
    policy = actions.policy_check(post)
    findings = policy.findings
    shown = selectors.shown_findings(revision, findings, selectors.dismissals_of(revision))
    # Asked only when there is something to dismiss (the permission reads the channel's training rules).
    may_dismiss = any(f.dismissable and f.dismissal is None for f in shown) and (
        post_permissions.dismissal_refusal(request.user, post) is None
    )
    return {
        "post": post,
        "crisis": policy.crisis,
        "revision": revision,
        "previous": previous,
        "diff": content_diff(
            previous.content() if previous else None,
            revision.content(),
            f"revision {previous.number}" if previous else "(nothing)",
            f"revision {revision.number}",
        )
        if previous
        else [],
        "findings": shown,
        "may_dismiss": may_dismiss,
        "segments": highlighted(revision.body, findings),
        "stages": selectors.stage_progress(post),
        "decisions": list(post.decisions.all()),
        "consent": selectors.consent_summary(post, request.user),
        "requires_consent": post.channel.requires_consent,
        "comments": _comment_tree(comments),
        "comment_count": len(comments),
        "available": available,
        "buttons": [spec for spec in PAGE_ACTIONS if spec.action in available],
        "may_comment": "comment" in available,
        "may_act": any(a not in ("comment", "edit") for a in available),
        "timeline": timeline,
        "evidence": evidence,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "error": None,
        "typed": {},
    }


@require_http_methods(["GET"])
@_page
def detail(request, post_id):
    post = selectors.post_for(request.user, post_id)
    context = _detail_context(request, post)
    context["next_in_queue"] = request.session.pop(NEXT_IN_QUEUE, None)  # once, after a decision
    return render(request, "approvals/posts/detail.html", context)


def _render_error(request, post_id, exc: DomainError, *, typed=None, failed=None):
    post = selectors.post_for(request.user, post_id)
    context = _detail_context(request, post)
    errors = [problem for _, problem in _problems(exc)]
    context["error"] = {
        "detail": exc.detail,
        "code": exc.code,
        "status": exc.status_code,
        "errors": [e for e in errors if e != exc.detail],
        "stale": isinstance(exc, StaleVersion),
        "conflict": exc.status_code == 409,
        "failed": failed,
    }
    context["typed"] = typed or {}
    return render(request, "approvals/posts/detail.html", context, status=exc.status_code)


@require_POST
@_page
def act(request, post_id, action):
    """Run one workflow action from the post's page (its button's form, made from its spec), then
    show the post as it now is."""
    spec = spec_for_slug(action, page=True)
    if spec is None:
        raise Http404("No such action.")
    name = str(spec.action)
    post = selectors.post_for(request.user, post_id)
    form = action_form(spec)(request.POST)
    typed = {"action": name, "comment": request.POST.get("comment", ""), "reason": request.POST.get("reason", "")}
    if not form.is_valid():
        problems = {k: [str(e) for e in v] for k, v in form.errors.items()}
        exc = ValidationFailed("Some fields are not valid.", errors=problems)
        return _render_error(request, post_id, exc, typed=typed, failed=name)
    try:
        actions.perform(spec.action, post, actor=request.user, data=form.cleaned_data)
    except DomainError as exc:
        return _render_error(request, post_id, exc, typed=typed, failed=name)
    if spec.area == "review":  # a decision
        _remember_next_in_queue(request, post)
    messages.success(request, spec.done)
    return redirect("posts:detail", post_id=post.pk)


@require_POST
@_page
def comment(request, post_id):
    """Add a comment (or a reply: `parent`) to the post's discussion."""
    post = selectors.post_for(request.user, post_id)
    form = CommentForm(request.POST)
    typed = {"action": "comment", "comment": request.POST.get("body", ""), "parent": request.POST.get("parent")}
    if not form.is_valid():
        exc = ValidationFailed("Write something to comment.", errors={"body": ["Required."]})
        return _render_error(request, post_id, exc, typed=typed, failed="comment")
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(post=post, pk=form.cleaned_data["parent"]).first()
        if parent is None:
            raise Http404("No such comment on this post.")
    try:
        made = actions.comment(post, actor=request.user, body=form.cleaned_data["body"], parent=parent)
    except DomainError as exc:
        return _render_error(request, post_id, exc, typed=typed, failed="comment")
    messages.success(request, "Comment added.")
    return redirect(f"{reverse('posts:detail', args=[post.pk])}#comment-{made.pk}")


@require_POST
@_page
def dismiss_finding(request, post_id):
    """Dismiss one finding of the post's current revision as a false alarm, with a reason (the
    form under the finding). The review goes on as before: a dismissal lifts no stage."""
    post = selectors.post_for(request.user, post_id)
    form = FindingDismissalForm(request.POST)
    typed = {
        "action": "dismiss_finding",
        "reason": request.POST.get("reason", ""),
        "finding": "{}:{}:{}:{}".format(*(request.POST.get(k, "") for k in ("field", "rule", "start", "end"))),
    }
    if not form.is_valid():
        problems = {k: [str(e) for e in v] for k, v in form.errors.items()}
        lead = "Say why the finding is a false alarm." if "reason" in problems else "Reload the page and try again."
        exc = ValidationFailed(lead, errors=problems)
        return _render_error(request, post_id, exc, typed=typed, failed="dismiss_finding")
    data = form.cleaned_data
    try:
        actions.dismiss_finding(
            post,
            actor=request.user,
            rule=data["rule"],
            field=data["field"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
    except DomainError as exc:
        return _render_error(request, post_id, exc, typed=typed, failed="dismiss_finding")
    messages.success(request, "Dismissed as a false alarm. The review goes on as before; the next reviewer sees why.")
    return redirect(f"{reverse('posts:detail', args=[post.pk])}#findings-title")
