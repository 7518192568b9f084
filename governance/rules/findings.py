from dataclasses import asdict, dataclass, replace

BLOCK = "block"
ESCALATE = "escalate"
WARN = "warn"
SEVERITIES = (BLOCK, ESCALATE, WARN)

# The published fields the policy screens, in the order a post shows them, and how a finding
# names them to a person. A finding's `field` is one of these, or "" for the post as a whole.
FIELDS = {"title": "title", "body": "body", "link": "link", "media_alt_text": "image's alt text"}


@dataclass(frozen=True)
class Finding:
    """One thing a rule noticed in a draft: `text[start:end]` of the draft's `field` (one of
    FIELDS) is what it is about; field "" (and 0, 0) when it concerns the post as a whole.
    Severity: block (cannot be submitted), escalate (adds a review stage), warn (shown, nothing
    more). A finding in a field other than the body says so in its message ("In the image's alt
    text: …"), so that its dict (API.md's shape, `{rule, severity, message, start, end}`) says it too."""

    rule: str
    severity: str
    message: str
    start: int = 0
    end: int = 0
    field: str = ""
    # What the rule found, machine-readable (the sensitive rule's kinds: "patient_name", "mrn"…); "" for none.
    kind: str = ""

    def as_dict(self) -> dict:
        """The finding as API.md shapes it (and as a policy check stores it)."""
        found = asdict(self)
        del found["field"]
        return found

    def stored(self) -> dict:
        """The finding with its field, as a revision's stored screening keeps it (`from_stored`)."""
        return asdict(self)

    @classmethod
    def from_stored(cls, data: dict) -> "Finding":
        return cls(**data)

    def in_field(self, name: str, length: int) -> "Finding":
        """This finding, found in the published field `name` of `length` characters (its offsets
        index that field; a finding about the link as a whole, at 0, 0, spans all of it)."""
        message = self.message if name == "body" else f"In the {FIELDS[name]}: {self.message}"
        start, end = (0, length) if name == "link" and self.start == self.end == 0 else (self.start, self.end)
        return replace(self, field=name, message=message, start=start, end=end)
