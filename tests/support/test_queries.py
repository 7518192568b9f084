"""The query-count helpers themselves: exact, and their failures show the SQL."""

import pytest
from django.contrib.auth.models import Group

from tests.support.queries import Measured, assert_same_queries, exact_queries, numbered, queries_of, side_by_side

pytestmark = pytest.mark.django_db


def two_queries():
    return Group.objects.filter(name="a").count() + Group.objects.filter(name="b").count()


def test_exact_queries_passes_on_the_exact_count_and_hands_back_the_sql():
    with exact_queries(2) as sql:
        two_queries()
    assert len(sql) == 2 and all('"auth_group"' in statement for statement in sql)
    with exact_queries(0):
        pass


@pytest.mark.parametrize("n", [1, 3])
def test_exact_queries_fails_on_more_or_fewer_and_numbers_the_sql(n):
    with pytest.raises(AssertionError) as failure:
        with exact_queries(n, what="two lookups"):
            two_queries()
    message = str(failure.value)
    assert message.startswith(f"expected exactly {n} queries (two lookups), 2 were sent:")
    assert "\n  1. SELECT" in message and "\n  2. SELECT" in message and "'b'" in message


def test_queries_of_returns_count_result_and_sql():
    measured = queries_of(two_queries)
    count, result, sql = measured
    assert isinstance(measured, Measured) and count == 2 == len(sql) and result == 0
    assert "'a'" in sql[0] and "'b'" in sql[1]


def test_same_queries_compares_counts_not_values():
    assert_same_queries(
        queries_of(lambda: Group.objects.filter(pk=1).first()), queries_of(lambda: Group.objects.filter(pk=2).first())
    )
    assert_same_queries(["SELECT 1"], ["SELECT 2"])


def test_different_counts_are_shown_side_by_side():
    first = queries_of(lambda: Group.objects.filter(name="a").count())
    second = queries_of(lambda: (Group.objects.filter(name="x").count(), list(Group.objects.filter(pk__in=[1, 2]))))
    with pytest.raises(AssertionError) as failure:
        assert_same_queries(first, second, what="/groups/")
    message = str(failure.value)
    assert message.startswith("expected the same number of queries (/groups/): the first sent 1, the second 2:")
    lines = message.splitlines()
    assert lines[2].split()[:3] == ["1", "1", "="]  # the same statement, values aside
    assert lines[3].split()[:3] == ["-", "2", "+"] and "IN (1, 2)" in lines[3]  # the one added, in full


def test_side_by_side_marks_changed_and_missing_queries():
    text = side_by_side(
        ["SELECT a FROM t WHERE id = 1", "SELECT b FROM u"], ["SELECT a FROM t WHERE id = 2", "SELECT c FROM v"]
    )
    assert "= SELECT a FROM t WHERE id = 1" in text
    assert "~ first:  SELECT b FROM u" in text and "second: SELECT c FROM v" in text
    assert side_by_side(["SELECT 1"], []).splitlines()[1].split()[:3] == ["1", "-", "-"]


def test_numbered_lists_every_query():
    assert numbered(["SELECT 1", "SELECT 2"]) == "  1. SELECT 1\n  2. SELECT 2"
    assert numbered([]) == "  (no queries)"
