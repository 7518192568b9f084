"""Forms of the post pages (approvals/views/posts.py). They only parse what the browser sends;
every rule about what may be saved lives in the actions."""

import functools

from django import forms
from django.conf import settings
from django.utils import timezone

from governance import permissions
from governance import selectors as governance_selectors
from governance.models import Channel
from governance.rules.findings import FIELDS

from .workflow import ActionSpec

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker; the value is local time (settings.TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


def datetime_local_field(**kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        widget=DateTimeLocalInput(), input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S"], **kwargs
    )


class ChannelSelect(forms.Select):
    """Marks the channels that require consent (`data-consent`): the stylesheet shows the
    consent picker only when one of them is chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        channel = getattr(value, "instance", None)
        if channel is not None:
            option["attrs"]["data-platform"] = channel.platform
            if channel.requires_consent:
                option["attrs"]["data-consent"] = "required"
        return option


class UsernamesField(forms.CharField):
    """Usernames typed into one text box, separated by commas (or spaces): a list, each name once,
    in the order typed. Who they are, and whether they may co-author, is for the view and the
    action to say."""

    MAX_NAMES = 20
    MAX_LENGTH = 2000

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        if "\x00" in text:  # the list escapes the validator CharField has for this
            raise forms.ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
        if len(text) > self.MAX_LENGTH:
            raise forms.ValidationError(f"At most {self.MAX_LENGTH} characters.", code="max_length")
        names = list(dict.fromkeys(name for name in text.replace(",", " ").split() if name))
        if len(names) > self.MAX_NAMES:
            raise forms.ValidationError(f"At most {self.MAX_NAMES} co-authors.", code="too_many")
        return names

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value


class ConsentChoice(forms.ModelChoiceField):
    def label_from_instance(self, consent) -> str:
        return f"{consent.person_name} — {consent.document_reference}"


class PostForm(forms.Form):
    """Compose (with a channel) or edit (the channel is fixed: `post` given)."""

    channel = forms.ModelChoiceField(
        queryset=Channel.objects.none(), to_field_name="slug", widget=ChannelSelect, empty_label="Choose a channel…"
    )
    title = forms.CharField(max_length=200, required=False)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "aria-describedby": "body-count"}),
        strip=False,
        max_length=settings.POST_BODY_MAX_CHARS,
    )
    link = forms.URLField(max_length=500, required=False, assume_scheme="https")
    media_url = forms.URLField(max_length=500, required=False, assume_scheme="https", label="Image URL")
    media_alt_text = forms.CharField(
        max_length=1000,
        required=False,
        label="Image description (alt text)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scheduled_at = datetime_local_field(required=False, label="Publish at")
    consent = ConsentChoice(queryset=None, required=False, empty_label="No consent cited")
    co_authors = UsernamesField(required=False, label="Co-authors")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, post=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.post = post
        consents = governance_selectors.consents_visible_to(user).filter(
            governance_selectors.valid_consents_q(timezone.localdate())
        )
        if post is None:
            # An archived channel takes no new post (approvals.actions.create_post refuses it).
            channels = (
                governance_selectors.channels_visible_to(user, perm=permissions.DRAFT)
                .filter(archived_at__isnull=True)
                .order_by("name")
            )
            self.fields["channel"].queryset = channels
            consents = consents.filter(channels__in=channels.filter(requires_consent=True).values("pk"))
            del self.fields["version"]
        else:
            del self.fields["channel"]
            self.fields["version"].required = True
            consents = consents.filter(channels=post.channel_id)
            if post.consent_id:  # keep what the post cites selectable, valid or not
                consents = consents | governance_selectors.consents_visible_to(user).filter(pk=post.consent_id)
        self.fields["consent"].queryset = consents.distinct().order_by("person_name", "id")
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"compose-{name.replace('_', '-')}")

    @classmethod
    def initial_for(cls, post) -> dict:
        revision = post.current_revision
        return {
            **revision.content(),
            "scheduled_at": timezone.localtime(post.scheduled_at) if post.scheduled_at else None,
            "consent": post.consent_id,
            "co_authors": [user.username for user in post.co_authors.all()],  # prefetched by post_for
            "version": post.version,
        }


def _input_field(name: str) -> forms.Field:
    """The page's field for one of an action's inputs (approvals.workflow.Input), by its name.
    Never required here: the browser asks for what the spec requires, and the action says why
    it refuses an empty comment or reason, in its own words."""
    match name:
        case "comment" | "reason":
            return forms.CharField(required=False, strip=True)
        case "scheduled_at":
            return datetime_local_field(required=False)
        case "remote_url":
            return forms.URLField(required=False, assume_scheme="https", max_length=500)
        case "remote_id":
            return forms.CharField(required=False, max_length=200)
    raise ValueError(f"no page field for the input {name!r}")


@functools.cache
def action_form(spec: ActionSpec) -> type[forms.Form]:
    """What the button of `spec` posts: the version the user saw, and the action's own inputs."""
    fields = {"version": forms.IntegerField(), **{i.name: _input_field(i.name) for i in spec.inputs}}
    return type(f"{spec.action.title().replace('_', '')}Form", (forms.Form,), fields)


class CommentForm(forms.Form):
    body = forms.CharField(strip=True)
    parent = forms.IntegerField(required=False)


class FindingDismissalForm(forms.Form):
    """Dismiss a finding as a false alarm: which finding (its rule and span, from the page) and
    why. The action says whether that finding is there and whether the user may."""

    rule = forms.CharField(max_length=50)
    field = forms.ChoiceField(choices=[(name, label) for name, label in FIELDS.items()])
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=0)
    reason = forms.CharField(strip=True, max_length=500)
    version = forms.IntegerField(min_value=1, required=False)
