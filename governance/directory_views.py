"""The organization directory in the browser (/policies/directory/): its entries by kind, for
every signed-in member of staff; portal admins add and remove entries here.

Thin views over `actions.add_directory_entry` and `remove_directory_entry` (the writers:
permission, validation, audit) and `selectors.directory_entries`. Plain forms that post and
redirect: the page works without JavaScript.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import NotVisible, PermissionDenied, StaleVersion, ValidationFailed

from . import actions, selectors
from .models import DirectoryEntry

ADMINS_ONLY = "The organization directory is changed by portal admins."

# What each kind is for, in the page's words (the add form's help and each section's).
KIND_HELP = {
    DirectoryEntry.Kind.PHONE: "Switchboards, clinic lines, hotlines: “+1 (617) 555-0142”. Formats and "
    "extensions do not matter.",
    DirectoryEntry.Kind.EMAIL_DOMAIN: "What follows the @ of the organization's addresses: “stmarys.example.org” "
    "(its sub-domains count too). Never a public provider such as gmail.com.",
    DirectoryEntry.Kind.ADDRESS: "Street addresses as posts write them: “1428 Elm Street”. The street line is "
    "compared; add each spelling (“22 Baker St.” and “22 Baker Street”).",
    DirectoryEntry.Kind.SITE: "A campus, clinic or building, by its street address; the label names it "
    "(“North Campus”).",
    DirectoryEntry.Kind.STAFF_NAME: "Members of staff as posts name them, given and family name: “Priya Shah”. "
    "Titles and credentials are left out.",
}


class DirectoryEntryForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=DirectoryEntry.Kind.choices)
    value = forms.CharField(label="Value", max_length=300)
    label = forms.CharField(label="Label", max_length=150, required=False, help_text="What it is, for the reader")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="entry", label_suffix="", **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["data-testid"] = f"directory-{name}"
        self.fields["value"].widget.attrs.update(autocomplete="off", spellcheck="false")


def _forbidden(request, reason: str):
    return render(request, "forbidden.html", {"reason": reason}, status=403)


def _sections(entries) -> list[dict]:
    by_kind: dict[str, list] = {kind: [] for kind in DirectoryEntry.Kind.values}
    for entry in entries:
        by_kind[entry.kind].append(entry)
    return [
        {"kind": kind, "label": DirectoryEntry.Kind(kind).label, "help": KIND_HELP[kind], "entries": rows}
        for kind, rows in by_kind.items()
    ]


def _render(request, *, form=None, status=200):
    editable = selectors.may_edit_directory(request.user)
    context = {
        "sections": _sections(selectors.directory_entries()),
        "editable": editable,
        "form": (form or DirectoryEntryForm()) if editable else None,
        "kind_help": [(DirectoryEntry.Kind(kind).label, text) for kind, text in KIND_HELP.items()],
    }
    return render(request, "governance/policies/directory.html", context, status=status)


@login_required
@require_GET
def directory_page(request):
    """The directory, by kind: a constant number of queries however many entries."""
    return _render(request)


@login_required
@require_POST
def directory_add(request):
    """Add an entry (portal admins). Invalid input shows the form again with what was typed."""
    if not selectors.may_edit_directory(request.user):
        return _forbidden(request, ADMINS_ONLY)
    form = DirectoryEntryForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    data = form.cleaned_data
    try:
        entry = actions.add_directory_entry(actor=request.user, **data)
    except ValidationFailed as exc:
        for name, problems in (exc.errors or {"__all__": [exc.detail]}).items():
            for problem in problems if isinstance(problems, list) else [problems]:
                form.add_error(name if name in form.fields else None, str(problem))
        return _render(request, form=form, status=400)
    except PermissionDenied as exc:
        return _forbidden(request, exc.detail)
    shown = f"{entry.value} ({entry.label})" if entry.label else entry.value
    messages.success(
        request, f"Added to the directory: {shown}. The screen takes it for the organization's own from now on."
    )
    return redirect("governance:directory")


@login_required
@require_POST
def directory_remove(request, entry_id: int):
    """Remove an entry (portal admins), with the version the page showed."""
    if not selectors.may_edit_directory(request.user):
        return _forbidden(request, ADMINS_ONLY)
    try:
        entry = selectors.directory_entry_for(entry_id)
    except NotVisible as exc:
        raise Http404(exc.detail) from exc
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        actions.remove_directory_entry(entry, actor=request.user, expected_version=version)
    except StaleVersion:
        messages.error(request, f"“{entry.value}” changed while you were looking; look again before removing it.")
        return redirect("governance:directory")
    except NotVisible as exc:
        raise Http404(exc.detail) from exc
    except PermissionDenied as exc:
        return _forbidden(request, exc.detail)
    messages.success(request, f"Removed from the directory: {entry.value}. The screen reports it like anyone's.")
    return redirect("governance:directory")
