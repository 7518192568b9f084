"""Exact query counts for the tests that pin what a page or an endpoint asks of the database
(STYLE.md, "Tests that pin behaviour"; after Zulip's `assert_database_query_count(n)`).

Counts are exact, never "at most": a page that gains a query fails, and so does one that loses
one, so that the pinned number is changed on purpose, in a commit that says why. On a mismatch
the failure lists the SQL of every query, numbered, so that the reader sees what was added.

    from tests.support.queries import assert_same_queries, exact_queries, queries_of

    with exact_queries(4):                      # the block sends exactly 4 queries
        client.get("/posts/suggest/")

    one = queries_of(lambda: client.get(url))   # Measured(count, result, sql)
    ...                                         # 19 more rows
    twenty = queries_of(lambda: client.get(url))
    assert_same_queries(one, twenty)            # 1 row and 20 rows cost the same

A warm-up request, where a test needs one (the session, content types, templates), stays in the
test, before the measured call: what is measured is what the test shows.
"""

import difflib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext


class Measured(NamedTuple):
    """One measured call: how many queries it sent, what it returned, and their SQL in order."""

    count: int
    result: Any
    sql: tuple[str, ...]


def queries_of(fn: Callable[[], Any], *, using: str = DEFAULT_DB_ALIAS) -> Measured:
    """Call `fn()` once and return `Measured(count, result, sql)`; it asserts nothing."""
    with CaptureQueriesContext(connections[using]) as captured:
        result = fn()
    sql = tuple(query["sql"] for query in captured.captured_queries)
    return Measured(len(sql), result, sql)


@contextmanager
def exact_queries(n: int, *, using: str = DEFAULT_DB_ALIAS, what: str = "") -> Iterator[list[str]]:
    """Assert that the block sends exactly `n` queries. It yields a list that holds their SQL
    once the block has ended, for a test that also asserts what they are."""
    sql: list[str] = []
    with CaptureQueriesContext(connections[using]) as captured:
        yield sql
    sql.extend(query["sql"] for query in captured.captured_queries)
    if len(sql) != n:
        about = f" ({what})" if what else ""
        raise AssertionError(f"expected exactly {n} queries{about}, {len(sql)} were sent:\n{numbered(sql)}")


def assert_same_queries(small: Measured | Sequence[str], large: Measured | Sequence[str], *, what: str = "") -> None:
    """Assert that two measurements (the same page with 1 row and with 20, say) sent as many
    queries. It compares counts, not the SQL (ids and values differ); on a mismatch it shows the
    two lists side by side, aligned, the queries that differ in full."""
    small_sql, large_sql = _sql_of(small), _sql_of(large)
    if len(small_sql) != len(large_sql):
        about = f" ({what})" if what else ""
        raise AssertionError(
            f"expected the same number of queries{about}: the first sent {len(small_sql)}, "
            f"the second {len(large_sql)}:\n{side_by_side(small_sql, large_sql)}"
        )


def numbered(sql: Sequence[str]) -> str:
    """The SQL numbered from 1, one query a paragraph: for a failure message."""
    if not sql:
        return "  (no queries)"
    width = len(str(len(sql)))
    return "\n".join(f"  {i:>{width}}. {statement}" for i, statement in enumerate(sql, 1))


def side_by_side(first: Sequence[str], second: Sequence[str]) -> str:
    """Two lists of SQL aligned by their shape (values aside): `=` the same statement in both
    (shortened), `-` only in the first, `+` only in the second, `~` changed (both in full)."""
    matcher = difflib.SequenceMatcher(a=[_shape(s) for s in first], b=[_shape(s) for s in second], autojunk=False)
    lines = ["  first second"]
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            lines += [f"  {i + 1:>5} {j + 1:>6}  = {_short(first[i])}" for i, j in zip(range(a0, a1), range(b0, b1))]
            continue
        pairs = max(a1 - a0, b1 - b0)
        for k in range(pairs):
            i, j = a0 + k, b0 + k
            here, there = i < a1, j < b1
            left, right = f"{i + 1:>5}" if here else "    -", f"{j + 1:>6}" if there else "     -"
            if here and there:
                lines += [f"  {left} {right}  ~ first:  {first[i]}", f"  {'':>5} {'':>6}    second: {second[j]}"]
            elif here:
                lines.append(f"  {left} {right}  - {first[i]}")
            else:
                lines.append(f"  {left} {right}  + {second[j]}")
    return "\n".join(lines)


def _sql_of(measured: Measured | Sequence[str]) -> Sequence[str]:
    return measured.sql if isinstance(measured, Measured) else measured


_VALUES = [
    (re.compile(r"'(?:[^']|'')*'"), "?"),  # string literals
    (re.compile(r'"s\d+_x\d+"'), '"savepoint"'),  # Django's savepoint names
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "?"),  # numbers
    (re.compile(r"\?(?:\s*,\s*\?)+"), "?"),  # IN (?, ?, ?) as long as the list is
]


def _shape(sql: str) -> str:
    for pattern, replacement in _VALUES:
        sql = pattern.sub(replacement, sql)
    return sql


def _short(sql: str, limit: int = 110) -> str:
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"
