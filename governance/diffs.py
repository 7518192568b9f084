"""Line diffs for the pages that show what changed: a revision, a holding statement, a policy."""

import difflib


def diff_lines(before: list[str], after: list[str], before_label: str, after_label: str, *, context: int = 3):
    """A unified diff as (kind, line) pairs for the `_diff.html` partials: kind is file, hunk,
    add, del or same."""
    lines = []
    for line in difflib.unified_diff(before, after, before_label, after_label, lineterm="", n=context):
        if line.startswith(("---", "+++")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = {"+": "add", "-": "del"}.get(line[:1], "same")
        lines.append((kind, line))
    return lines
