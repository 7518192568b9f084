"""What every rule kind is made of: the `RuleKind` the registry holds."""

from collections.abc import Callable
from dataclasses import dataclass

from ..findings import Finding


@dataclass(frozen=True)
class RuleKind:
    """Everything about one kind of rule, as the engine and the channel page use it. `rule` is
    the rule's JSON object (`{"kind": …, "severity": …, …}`)."""

    name: str
    # (rule, draft, channel) -> findings: what the rule finds in an `engine.Draft` posted on the channel.
    check: Callable[[dict, object, object], list[Finding]]
    # rule -> problems with the rule's own parameters (its kind and severity are checked already),
    # each the end of a sentence that `engine.validate_rules` starts with "Rule 2 (<kind>): ".
    validate: Callable[[dict], list[str]]
    # rule -> the rule as a sentence a person can read (a channel's page).
    describe: Callable[[dict], str]
