"""Training: drafting and reviewing on the channel need a valid certification of a course
(`accounts.TrainingCertification`). The check speaks to the draft's author; the approvals
rules ask `engine.required_courses` of reviewers too.

    {"kind": "training", "severity": "block", "course": "hipaa-privacy"}
"""

from datetime import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from ..findings import Finding
from .base import RuleForm, RuleKind

NAME = "training"


def check(rule, draft, channel) -> list[Finding]:
    course = rule.get("course", "")
    author = draft.author
    if not course or author is None or has_valid_certification(author, course):
        return []
    return [
        Finding(
            NAME,
            rule["severity"],
            f"Posting on {channel.name} needs a valid “{course}” certification; yours is missing or expired.",
        )
    ]


def has_valid_certification(user, course: str, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return (
        user.certifications.filter(course=course, completed_at__lte=at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .exists()
    )


def validate(rule) -> list[str]:
    course = rule.get("course", "")
    return [] if isinstance(course, str) and course.strip() and len(course) <= 100 else ["course is required (a name)."]


def describe(rule) -> str:
    return f"Drafting and reviewing need a valid “{rule.get('course', '')}” certification"


class TrainingRuleForm(RuleForm):
    KIND = NAME
    LABEL = "Required training"
    HELP = "Drafting and reviewing need a valid certification of this course."
    PARAMS = ("course",)

    course = forms.SlugField(
        label="Training course",
        max_length=100,
        help_text="The course's code, e.g. hipaa-privacy.",
        widget=forms.TextInput(attrs={"list": "courses", "autocomplete": "off"}),
    )

    def params(self, data):
        return {"course": data["course"]}

    @classmethod
    def raw_params(cls, rule):
        return {"course": [str(rule.get("course", ""))]}


KIND = RuleKind(NAME, check=check, validate=validate, describe=describe, form=TrainingRuleForm)
