"""The kinds of rule a posting policy holds, one module each: its check (rule, draft, channel
→ findings), its validation, its description on a channel's page and its editor form.

`KINDS` is the one list of them, in the order the policy editor offers them; the engine's
check and validation, the policy editor and the channel page all look kinds up here. Adding
a kind is adding its module and listing it below.
"""

from . import alt_text, disclaimer, lexicon, links, posting_window, sensitive, training
from .base import RuleKind

KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        lexicon.KIND,
        disclaimer.KIND,
        links.KIND,
        sensitive.KIND,
        posting_window.KIND,
        alt_text.KIND,
        training.KIND,
    )
}


def kind_of(rule: dict) -> RuleKind | None:
    """The kind of `rule` (None: it names no kind we know)."""
    name = rule.get("kind")
    return KINDS.get(name) if isinstance(name, str) else None
