"""The joined-string search must answer exactly what the plain rule says, in the same order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.menu.search_index import Entry, Loaded

LETTERS = st.text(alphabet="abgjdxyz", max_size=6)
NAMES_ZH = st.text(alphabet="宫保鸡丁鱼香肉丝\n", max_size=6)
NAMES_EN = st.text(alphabet="abAB gj\n", max_size=8)


def naive(entries: list[Entry], query: str, limit: int) -> list[Entry]:
    """The rule as written: a loop over every entry (what the index replaced)."""
    q = query.lower()
    found = [
        e
        for e in entries
        if e.initials.startswith(q)
        or e.full.startswith(q)
        or query in e.name_zh
        or q in e.name_en_lower
    ]
    return found[:limit]


entries_st = st.lists(
    st.builds(
        lambda zh, en, ini, full: Entry("", zh, en, 100, ini, full, en.lower()),
        NAMES_ZH,
        NAMES_EN,
        LETTERS,
        LETTERS,
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(
    entries=entries_st,
    query=st.text(alphabet="abgjdxyzAB 宫保鸡丁", min_size=1, max_size=4),
    limit=st.integers(1, 10),
)
def test_the_index_finds_what_the_rule_says_in_display_order(
    entries: list[Entry], query: str, limit: int
) -> None:
    entries = [
        Entry(f"item-{n}", e.name_zh, e.name_en, e.price, e.initials, e.full, e.name_en_lower)
        for n, e in enumerate(entries)
    ]
    # Values holding a newline are searched with it read as a space; the rule sees the same.
    clean = [
        Entry(
            e.id,
            e.name_zh.replace("\n", " "),
            e.name_en.replace("\n", " "),
            e.price,
            e.initials,
            e.full,
            e.name_en_lower.replace("\n", " "),
        )
        for e in entries
    ]
    got = [e.id for e in Loaded.of(entries).matching(query, limit)]
    assert got == [e.id for e in naive(clean, query, limit)]


def test_a_query_with_a_newline_finds_nothing_rather_than_spanning_two_items() -> None:
    loaded = Loaded.of(
        [
            Entry("a", "宫保", "ab", 1, "gb", "gongbao", "ab"),
            Entry("b", "鸡丁", "cd", 1, "jd", "jiding", "cd"),
        ]
    )
    assert loaded.matching("b\nc", 10) == []
    assert [e.id for e in loaded.matching("b", 10)] == ["a"]
    assert [e.id for e in loaded.matching("jd", 10)] == ["b"]
