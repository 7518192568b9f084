"""Posting policies in the browser: list, create, edit (rules in a structured form), history.

Thin views over `actions.save_policy` (the one writer: permission, stale-version check,
validation, versioning, audit) and `policy_selectors`. Everything works without JavaScript:
adding or removing a rule posts the whole form back and re-renders it as typed; htmx, where
loaded, only fetches the empty fieldset of an added rule.
"""

import json
import re
from functools import wraps
from zoneinfo import available_timezones

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import TrainingCertification
from core.errors import NotVisible, PermissionDenied, StaleVersion, ValidationFailed

from . import actions
from . import policy_selectors as selectors
from .diffs import diff_lines
from .models import PostingPolicy
from .policy_forms import MAX_RULES, PolicyForm, RuleInput, kind_choices, rules_from_post
from .rules.findings import SEVERITIES
from .rules.kinds import KINDS

EDITORS_ONLY = "Posting policies are edited by portal admins and by the managers of a department or a channel."


def _forbidden(request, reason: str):
    return render(request, "forbidden.html", {"reason": reason}, status=403)


def policy_editor(view):
    """Signed in, and allowed to edit at least one policy (else a 403 page). Domain errors
    raised by the view become 404 (missing or not visible) and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_edit_policies(request.user):
            return _forbidden(request, EDITORS_ONLY)
        try:
            return view(request, *args, **kwargs)
        except NotVisible as exc:
            raise Http404(exc.detail) from exc
        except PermissionDenied as exc:
            return _forbidden(request, exc.detail)

    return wrapper


def _severity_counts(rules) -> list[tuple[str, int]]:
    return [(s, n) for s in SEVERITIES if (n := sum(1 for r in rules if r.get("severity") == s))]


@require_GET
@policy_editor
def policy_list(request):
    """Every policy the user may edit, grouped by scope: a constant number of queries."""
    rows = list(selectors.policies_editable_by(request.user))
    changes = selectors.last_changes(rows)
    groups: dict[str, dict] = {}
    for policy in sorted(rows, key=lambda p: (p.name.lower(), p.pk)):
        scope = selectors.scope_of(policy)
        group = groups.setdefault(scope.value, {"scope": scope, "rows": []})
        group["rows"].append(
            {"policy": policy, "severities": _severity_counts(policy.rules), "last_change": changes.get(policy.pk)}
        )
    return render(
        request,
        "governance/policies/list.html",
        {"groups": sorted(groups.values(), key=lambda g: g["scope"].sort_key)},
    )


@require_http_methods(["GET", "POST"])
@policy_editor
def policy_create(request):
    scopes = selectors.scopes_for(request.user)
    if request.method == "POST":
        return _post(request, policy=None, scopes=scopes)
    wanted = request.GET.get("scope")
    initial = {"scope": wanted} if any(s.value == wanted for s in scopes) else {}
    form = PolicyForm(scopes=scopes, editing=False, initial=initial)
    return _render_editor(request, policy=None, form=form, rule_forms=[])


@require_http_methods(["GET", "POST"])
@policy_editor
def policy_edit(request, policy_id: int):
    policy = selectors.policy_for_editing(request.user, policy_id)
    if request.method == "POST":
        return _post(request, policy=policy, scopes=None)
    form = PolicyForm(
        editing=True, initial={"name": policy.name, "is_active": policy.is_active, "version": policy.version}
    )
    rules = [RuleInput.from_rule(rule) for rule in policy.rules]
    return _render_editor(request, policy=policy, form=form, rule_forms=_forms(rules, bound=False))


@require_GET
@policy_editor
def rule_fieldset(request):
    """The empty fieldset of a new rule (htmx), numbered after the `rule_count` rules on the
    page, with the count updated out of band. Without JavaScript the form posts `add_rule`."""
    kind = request.GET.get("add_rule_kind")
    try:
        index = int(request.GET.get("rule_count", ""))
    except ValueError:
        index = -1
    if kind not in KINDS or not 0 <= index < MAX_RULES:
        return HttpResponseBadRequest(f"Choose a kind of rule; a policy has at most {MAX_RULES} rules.")
    rule = RuleInput(kind).form(index, bound=False)
    rule.focus()
    return render(request, "governance/policies/_rule_added.html", {"rule": rule, "rule_count": index + 1})


@require_GET
@policy_editor
def policy_history(request, policy_id: int):
    """The policy's versions, newest first, each with what changed since the one before."""
    policy = selectors.policy_for_editing(request.user, policy_id)
    versions = selectors.versions_of(policy)
    entries = []
    for newer, older in zip(versions, [*versions[1:], None][: len(versions)], strict=True):
        entries.append({"version": newer, "changes": _changes(older, newer), "diff": _rules_diff(older, newer)})
    return render(
        request,
        "governance/policies/history.html",
        {"policy": policy, "scope": selectors.scope_of(policy), "entries": entries},
    )


# --- the editor ---------------------------------------------------------------------------


def _forms(rules: list[RuleInput], *, bound: bool):
    return [rule.form(i, bound=bound) for i, rule in enumerate(rules)]


def _post(request, *, policy, scopes):
    """Add a rule, remove one, or save (the form's default button: Enter in a field saves)."""
    editing = policy is not None
    rules = rules_from_post(request.POST)
    if "add_rule" in request.POST or "remove_rule" in request.POST:
        notice = None
        focus = None
        if "add_rule" in request.POST:
            kind = request.POST.get("add_rule_kind")
            if kind in KINDS and len(rules) < MAX_RULES:
                rules.append(RuleInput(kind))
                focus = len(rules) - 1
        else:
            index = _int(request.POST.get("remove_rule"))
            if index is not None and 0 <= index < len(rules):
                removed = rules.pop(index)
                notice = (
                    f"Rule {index + 1} ({KINDS[removed.kind].form.LABEL}) is removed from the form; "
                    "save to remove it from the policy."
                )
        form = PolicyForm.unbound(request.POST, scopes=scopes, editing=editing)
        rule_forms = _forms(rules, bound=False)
        if focus is not None:
            rule_forms[focus].focus()
        return _render_editor(request, policy=policy, form=form, rule_forms=rule_forms, notice=notice)

    form = PolicyForm(request.POST, scopes=scopes, editing=editing)
    rule_forms = _forms(rules, bound=True)
    valid = [f.is_valid() for f in (form, *rule_forms)]  # every form, so every error shows at once
    if not all(valid):
        return _render_editor(request, policy=policy, form=form, rule_forms=rule_forms)
    data = form.cleaned_data
    new_rules = [f.to_rule() for f in rule_forms]
    try:
        if editing:
            saved = actions.save_policy(
                policy,
                actor=request.user,
                expected_version=data["version"],
                name=data["name"],
                rules=new_rules,
                is_active=data["is_active"],
            )
        else:
            scope = next(s for s in scopes if s.value == data["scope"])
            saved = actions.save_policy(
                actor=request.user,
                name=data["name"],
                rules=new_rules,
                is_active=data["is_active"],
                department=scope.department,
                channel=scope.channel,
            )
    except StaleVersion:
        return _render_conflict(request, policy=policy, typed={**data, "rules": new_rules}, rules=rules)
    except ValidationFailed as exc:
        _attach(exc.errors or {"__all__": [exc.detail]}, form, rule_forms)
        return _render_editor(request, policy=policy, form=form, rule_forms=rule_forms)
    if not editing:
        messages.success(request, f"Created “{saved.name}”: version {saved.version}.")
    elif saved.version == data["version"]:
        messages.info(request, f"Nothing changed: “{saved.name}” is still version {saved.version}.")
    else:
        messages.success(request, f"Saved “{saved.name}”: now version {saved.version}.")
    return redirect("governance:policy-edit", policy_id=saved.pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_RULE_PROBLEM = re.compile(r"^Rule (\d+)(?: \([a-z_]+\))?: ")


def _attach(errors: dict, form, rule_forms) -> None:
    """The action's validation errors, next to the rule or field they are about."""
    for key, problems in errors.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            problem = str(problem)
            match = _RULE_PROBLEM.match(problem) if key == "rules" else None
            if match and 0 < int(match.group(1)) <= len(rule_forms):
                sentence = problem[match.end() :]
                rule_forms[int(match.group(1)) - 1].add_error(None, sentence[:1].upper() + sentence[1:])
            elif key in form.fields:
                form.add_error(key, problem)
            else:
                form.add_error(None, problem)


def _error_summary(form, rule_forms) -> list[dict]:
    """Every error, with a link to its field (WCAG: errors identified and described in text)."""
    items = []
    for name, problems in form.errors.items():
        field = form.fields.get(name)
        where, anchor = (field.label, form[name].auto_id) if field is not None else ("Policy", "policy-form")
        items += [{"where": where, "message": p, "anchor": anchor} for p in problems]
    for rule in rule_forms:
        order = ["__all__", *rule.fields]
        for name, problems in sorted(rule.errors.items(), key=lambda item: order.index(item[0])):
            field = rule.fields.get(name)
            if field is None or field.widget.is_hidden:
                where, anchor = f"Rule {rule.number} ({rule.LABEL})", f"rule-{rule.index}"
            else:
                where, anchor = f"Rule {rule.number}, {field.label}", rule[name].auto_id
            items += [{"where": where, "message": p, "anchor": anchor} for p in problems]
    return items


def _render_editor(request, *, policy, form, rule_forms, notice=None, conflict=None, status=200):
    has_errors = bool(form.errors) or any(rule.errors for rule in rule_forms)
    context = {
        "policy": policy,
        "scope": selectors.scope_of(policy) if policy else None,
        "form": form,
        "rule_forms": rule_forms,
        "kind_choices": kind_choices(),
        "errors": _error_summary(form, rule_forms) if has_errors else [],
        "notice": notice,
        "conflict": conflict,
        "timezones": sorted(available_timezones()),
        "courses": TrainingCertification.objects.order_by("course").values_list("course", flat=True).distinct(),
    }
    return render(request, "governance/policies/form.html", context, status=status)


def _pretty(policy_data: dict) -> str:
    return json.dumps(policy_data, indent=2, ensure_ascii=False, sort_keys=True)


def _render_conflict(request, *, policy, typed: dict, rules: list[RuleInput]):
    """Someone saved the policy since it was loaded: show what is saved now next to what was
    typed, keep the typed form, and carry the new version so that saving again is a choice."""
    current = PostingPolicy.objects.select_related("department", "channel").get(pk=policy.pk)
    last = current.versions.select_related("created_by").order_by("-version").first()
    saved = {"name": current.name, "is_active": current.is_active, "rules": current.rules}
    mine = {"name": typed["name"], "is_active": typed["is_active"], "rules": typed["rules"]}
    data = request.POST.copy()
    data["version"] = str(current.version)
    conflict = {
        "loaded_version": typed["version"],
        "current": current,
        "last": last,
        "saved_json": _pretty(saved),
        "mine_json": _pretty(mine),
        "diff": _diff(_pretty(saved), _pretty(mine), f"saved (version {current.version})", "yours"),
    }
    return _render_editor(
        request,
        policy=current,
        form=PolicyForm.unbound(data, editing=True),
        rule_forms=_forms(rules, bound=False),
        conflict=conflict,
        status=409,
    )


# --- history ------------------------------------------------------------------------------


def _changes(older, newer) -> list[str]:
    if older is None:
        return [f"Created as “{newer.name}”, {'active' if newer.is_active else 'inactive'}."]
    changes = []
    if older.name != newer.name:
        changes.append(f"Renamed from “{older.name}” to “{newer.name}”.")
    if older.is_active != newer.is_active:
        changes.append("Activated." if newer.is_active else "Deactivated: no longer applied.")
    if older.rules == newer.rules:
        changes.append("Rules unchanged.")
    return changes


def _rules_diff(older, newer) -> list[tuple[str, str]]:
    before = json.dumps(older.rules, indent=2, ensure_ascii=False, sort_keys=True) if older else ""
    after = json.dumps(newer.rules, indent=2, ensure_ascii=False, sort_keys=True)
    if before == after:
        return []
    return _diff(before, after, f"version {older.version}" if older else "(nothing)", f"version {newer.version}")


def _diff(before: str, after: str, before_label: str, after_label: str) -> list[tuple[str, str]]:
    return diff_lines(before.splitlines(), after.splitlines(), before_label, after_label)
