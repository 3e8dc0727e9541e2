"""Finding 10: the note's ASCII claims checked against the table and Python itself."""

from __future__ import annotations

import curses.ascii
import itertools
from typing import Any

import numpy as np

from notelab._util.estimate import Estimate
from notelab._util.numbers import count
from notelab.findings._plot import PALETTE, new_axes
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_least
from notelab.text import CLASSES, ascii_table, class_ranges, compare, sort_by_rule

TITLE = note_title(10)  # the registry is the titles' one home

EXAMPLES = [("Apple", "apple"), ("10", "9"), ("abc", "abcd"), ("Zebra", "apple"), ("a", "B")]
WORDS = ["banana", "Banana", "apple", "Apple", "10", "9", "abc", "abcd", "_x", "~", " lead", "Z"]
ORDER = ("control", "digit", "upper", "lower")  # the note's order of classes

# Share of the note's codes, pairs or positions that the table (or Python) confirms: all of
# them is "holds", at least half "partly", fewer "fails".
ALL, HALF = at_least(1.0), at_least(0.5)
# Share of pairs of codes from different classes that sort in the note's class order.
ORDER_HOLDS, ORDER_PARTLY = at_least(1.0), at_least(0.9)


def _share(agree: int, total: int, what: str) -> Estimate:
    return Estimate.exact(agree / total, count=total, method=f"{agree} of {total} {what}")


def _codes(cls: str) -> list[int]:
    return [r.code for r in ascii_table(cls)]


def _spans(ranges: list[tuple[int, int]]) -> str:
    """``[(0, 31), (127, 127)]`` as ``"0-31, 127"``."""
    return ", ".join(f"{lo}-{hi}" if hi > lo else f"{lo}" for lo, hi in ranges)


def _describe(codes: list[int]) -> str:
    table = ascii_table()
    return ", ".join(f"{c} ({table[c].name}, {table[c].char_class})" for c in codes) or "none"


def _range_claim(text: str, cls: str, first: int, last: int, note: str = "") -> Claim:
    claimed, found = set(range(first, last + 1)), set(_codes(cls))
    agree, union = len(claimed & found), len(claimed | found)
    differ = sorted(claimed ^ found)
    return Claim.judged(
        text,
        _share(agree, union, "codes agree"),
        holds=ALL,
        partly=HALF,
        evidence=f"The table's {cls} codes are {_spans(class_ranges()[cls])}: "
        f"{agree} of {union} codes agree with the note {first}-{last}"
        + (f"; they differ on {_describe(differ)}" if differ else "")
        + f".{note}",
    )


def _control_claim() -> Claim:
    stdlib = [c for c in range(128) if curses.ascii.iscntrl(c)]
    same = "the same" if stdlib == _codes("control") else f"{stdlib}"
    return _range_claim(
        "Codes 0-32 are control characters.",
        "control",
        0,
        32,
        f" Python's curses.ascii.iscntrl gives {same} {len(stdlib)} control codes.",
    )


def _inversions() -> tuple[int, int, dict[int, int]]:
    """Cross-class pairs of codes, those out of the note's order, and who comes late and how."""
    codes = {cls: _codes(cls) for cls in ORDER}
    total, late = 0, dict[int, int]()
    for early, later in itertools.combinations(ORDER, 2):
        for c, d in itertools.product(codes[early], codes[later]):
            total += 1
            if c > d:
                late[c] = late.get(c, 0) + 1
    return total, sum(late.values()), late


def _order_claim() -> Claim:
    total, inverted, late = _inversions()
    starts = ", ".join(f"{cls} {class_ranges()[cls][0][0]}" for cls in ORDER)
    return Claim.judged(
        "Order: control characters < digits < upper case < lower case.",
        _share(total - inverted, total, "cross-class pairs in order"),
        holds=ORDER_HOLDS,
        partly=ORDER_PARTLY,
        evidence=f"{count(total - inverted)} of {count(total)} pairs of codes from different "
        f"classes follow the order (blocks start at {starts}); out of order: "
        + "; ".join(f"{_describe([c])} after {n} codes of later classes" for c, n in late.items())
        + ".",
    )


def _nul_space_claim() -> Claim:
    table = ascii_table()
    named = {0: "NUL", 32: "SP"}
    agree = sum(table[code].name == name for code, name in named.items())
    return Claim.judged(
        "NUL is 0 and space is 32.",
        _share(agree, len(named), "codes confirmed"),
        holds=ALL,
        partly=HALF,
        evidence=f"Row 0 is {table[0].name}, row 32 is {table[32].name} ({table[32].char_class}); "
        f"ord('\\0') = {ord(chr(0))}, ord(' ') = {ord(' ')}.",
    )


def _comparison_rows() -> list[dict[str, Any]]:
    rows = []
    for a, b in EXAMPLES:
        result = compare(a, b)
        python = "<" if a < b else (">" if a > b else "==")
        rows.append(
            {"a": a, "b": b, "rule": result.verdict, "python": python, "why": result.explanation}
        )
    return rows


def _comparison_claim(rows: list[dict[str, Any]]) -> Claim:
    agree = sum(r["rule"] == r["python"] for r in rows)
    return Claim.judged(
        "Strings compare character by character by code, from the first that differs "
        '("Apple" < "apple", "10" < "9").',
        _share(agree, len(rows), "pairs"),
        holds=ALL,
        partly=HALF,
        evidence=f"The rule gave Python's verdict on {agree} of {len(rows)} pairs, e.g. "
        f"{rows[0]['why']}; for '{rows[1]['a']}' vs '{rows[1]['b']}': {rows[1]['why']}.",
    )


def _sorting_claim() -> Claim:
    by_rule, by_python = sort_by_rule(WORDS), sorted(WORDS)
    agree = sum(x == y for x, y in zip(by_rule, by_python, strict=True))
    return Claim.judged(
        "Sorting by the code-by-code rule is the order Python sorts strings in.",
        _share(agree, len(WORDS), "positions"),
        holds=ALL,
        partly=HALF,
        evidence=f"sorted() gives {by_python}; the rule puts {agree} of {len(WORDS)} words in "
        "the same place.",
    )


def measure() -> dict[str, Any]:
    """The table's classes and the comparisons, as plain data."""
    return {
        "class_ranges": class_ranges(),
        "comparisons": _comparison_rows(),
        "sorted": sorted(WORDS),
    }


def _tables(m: dict[str, Any]) -> list[Table]:
    ranges = m["class_ranges"]
    return [
        Table(
            "Classes as code ranges",
            ["class", "code ranges", "codes"],
            [[c, _spans(ranges[c]), sum(hi - lo + 1 for lo, hi in ranges[c])] for c in CLASSES],
        ),
        Table.from_records(
            "Comparisons explained",
            m["comparisons"],
            {"a": "a", "b": "b", "rule": "by the rule", "python": "by Python", "why": "why"},
        ),
        Table(
            "Sorted by Python",
            ["position", "word"],
            [[i + 1, w] for i, w in enumerate(m["sorted"])],
        ),
    ]


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Check every claim of note 10 (the scale and seed do not change a table)."""
    m = measure()
    return Finding(
        note=10,
        title=TITLE,
        claims=[
            _order_claim(),
            _nul_space_claim(),
            _control_claim(),
            _range_claim("Digits are codes 48-57.", "digit", 48, 57),
            _range_claim("Upper-case letters are codes 65-90.", "upper", 65, 90),
            _range_claim("Lower-case letters are codes 97-122.", "lower", 97, 122),
            _comparison_claim(m["comparisons"]),
            _sorting_claim(),
        ],
        tables=_tables(m),
        figures=[_grid_figure()],
        data=m,
        workload=f"The 128 ASCII codes, {len(EXAMPLES)} string comparisons and {len(WORDS)} "
        "words sorted.",
    )


def _grid_figure() -> Figure:
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    figure, axes = new_axes(8.0, 4.4)
    axes.grid(False)
    index = {name: i for i, name in enumerate(CLASSES)}
    table = ascii_table()
    grid = np.array([index[r.char_class] for r in table]).reshape(8, 16)
    colours = (*PALETTE[: len(CLASSES) - 1], PALETTE[-1])  # punctuation in grey, not sky blue
    axes.imshow(grid, cmap=ListedColormap(colours), vmin=0, vmax=len(CLASSES) - 1, alpha=0.45)
    for r in table:
        label = r.name if len(r.name) == 1 else r.name[:3]
        axes.text(
            r.code % 16, r.code // 16, f"{label}\n{r.code}", ha="center", va="center", fontsize=5.5
        )
    axes.set_xticks(range(16), [f"{c:X}" for c in range(16)])
    axes.set_yticks(range(8), [f"{r * 16}" for r in range(8)])
    axes.set_title("The 128 ASCII codes by class (row start + column)")
    axes.legend(
        handles=[
            Patch(color=c, alpha=0.45, label=n) for c, n in zip(colours, CLASSES, strict=True)
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    return Figure("note10-ascii-grid", "The 128 ASCII codes coloured by class.", figure)
