from dataclasses import asdict, dataclass

BLOCK = "block"
ESCALATE = "escalate"
WARN = "warn"
SEVERITIES = (BLOCK, ESCALATE, WARN)


@dataclass(frozen=True)
class Finding:
    """One thing a rule noticed in a draft: `text[start:end]` in the body is what it is about
    (0, 0 when it concerns the post as a whole). Severity: block (cannot be submitted),
    escalate (adds a review stage), warn (shown, nothing more)."""

    rule: str
    severity: str
    message: str
    start: int = 0
    end: int = 0

    def as_dict(self) -> dict:
        return asdict(self)
