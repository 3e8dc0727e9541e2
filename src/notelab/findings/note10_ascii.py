"""Finding 10: the note's ASCII claims checked against the table and Python itself."""

from __future__ import annotations

import curses.ascii

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from notelab.findings._plot import new_axes
from notelab.findings.model import Claim, Figure, Finding, Table, Verdict
from notelab.text import CLASSES, ascii_table, class_ranges, compare, sort_by_rule

COLOURS = ("#b0b0b0", "#ffd166", "#06d6a0", "#118ab2", "#ef476f", "#8d99ae")
EXAMPLES = [("Apple", "apple"), ("10", "9"), ("abc", "abcd"), ("Zebra", "apple"), ("a", "B")]
WORDS = ["banana", "Banana", "apple", "Apple", "10", "9", "abc", "abcd", "_x", "~", " lead", "Z"]


def _range_claim(label: str, cls: str, first: int, last: int) -> Claim:
    found = class_ranges()[cls]
    return Claim(
        f"{label} are codes {first}-{last}.",
        Verdict.of(found == [(first, last)]),
        f"The table's {cls} codes form the range(s) {found}.",
    )


def _order_claim() -> Claim:
    ranges = class_ranges()
    order = ["control", "digit", "upper", "lower"]
    lows = [ranges[c][0][0] for c in order]
    highs = [max(hi for _, hi in ranges[c]) for c in order]
    main_blocks = [ranges["control"][0][1], *highs[1:]]
    ok = all(main_blocks[i] < lows[i + 1] for i in range(3))
    return Claim(
        "Order: control characters < digits < upper case < lower case.",
        Verdict.HOLDS
        if ok and ranges["control"][-1][0] < 128 and len(ranges["control"]) == 1
        else (Verdict.PARTLY if ok else Verdict.FAILS),
        f"Block starts: control {lows[0]}, digit {lows[1]}, upper {lows[2]}, lower {lows[3]}; "
        f"but DEL (127), a control, sorts after every letter: control ranges {ranges['control']}.",
    )


def _control_claim() -> Claim:
    controls = [r.code for r in ascii_table("control")]
    stdlib = [c for c in range(128) if curses.ascii.iscntrl(c)]
    note = list(range(33))
    agree = sorted(set(note) & set(controls))
    return Claim(
        "Codes 0-32 are control characters.",
        Verdict.from_checks(len(agree), len(set(note) | set(controls))),
        f"The table and Python's curses.ascii.iscntrl agree on {len(stdlib)} control codes "
        f"({class_ranges()['control']}, same: {stdlib == controls}); the note and the standard "
        f"differ on {sorted(set(note) ^ set(controls))}: 32 is space, 127 (DEL) is a control.",
    )


def _nul_space_claim() -> Claim:
    nul, space = ascii_table()[0], ascii_table()[32]
    ok = nul.name == "NUL" and ord("\0") == 0 and space.char == " " and ord(" ") == 32
    return Claim(
        "NUL is 0 and space is 32.",
        Verdict.of(ok),
        f"Row 0 is {nul.name}, row 32 is {space.name}; ord(' ') = {ord(' ')}.",
    )


def _comparison_rows() -> list[list[object]]:
    rows = []
    for a, b in EXAMPLES:
        result = compare(a, b)
        python = "<" if a < b else (">" if a > b else "==")
        rows.append([a, b, result.verdict, python, result.explanation])
    return rows


def _comparison_claims(rows: list[list[object]]) -> list[Claim]:
    agree = sum(1 for r in rows if r[2] == r[3])
    by_rule, by_python = sort_by_rule(WORDS), sorted(WORDS)
    return [
        Claim(
            "Strings compare character by character by code, from the first that differs "
            '("Apple" < "apple", "10" < "9").',
            Verdict.from_checks(agree, len(rows)),
            f"The rule gave Python's verdict on {agree} of {len(rows)} pairs, e.g. "
            f"{rows[0][4]}; for '10' vs '9': {rows[1][4]}.",
        ),
        Claim(
            "Sorting by the code-by-code rule is the order Python sorts strings in.",
            Verdict.of(by_rule == by_python),
            f"sorted() gives {by_python}; the rule gives "
            f"{'the same' if by_rule == by_python else by_rule}.",
        ),
    ]


def _grid_figure() -> Figure:
    figure, axes = new_axes(8.0, 4.4)
    index = {name: i for i, name in enumerate(CLASSES)}
    table = ascii_table()
    grid = np.array([index[r.char_class] for r in table]).reshape(8, 16)
    axes.imshow(grid, cmap=ListedColormap(COLOURS), vmin=0, vmax=len(CLASSES) - 1)
    for r in table:
        label = r.name if len(r.name) == 1 else r.name[:3]
        axes.text(
            r.code % 16, r.code // 16, f"{label}\n{r.code}", ha="center", va="center", fontsize=5.5
        )
    axes.set_xticks(range(16), [f"{c:X}" for c in range(16)])
    axes.set_yticks(range(8), [f"{r * 16}" for r in range(8)])
    axes.set_title("The 128 ASCII codes by class (row start + column)")
    axes.legend(
        handles=[Patch(color=c, label=n) for c, n in zip(COLOURS, CLASSES, strict=False)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    return Figure("note10-ascii-grid", "The 128 ASCII codes coloured by class.", figure)


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Check every claim of note 10 (the scale and seed do not change a table)."""
    comparisons = _comparison_rows()
    ranges = class_ranges()
    return Finding(
        note=10,
        title="ASCII table and string comparison",
        claims=[
            _order_claim(),
            _nul_space_claim(),
            _control_claim(),
            _range_claim("Digits", "digit", 48, 57),
            _range_claim("Upper-case letters", "upper", 65, 90),
            _range_claim("Lower-case letters", "lower", 97, 122),
            *_comparison_claims(comparisons),
        ],
        tables=[
            Table(
                "Classes as code ranges",
                ["class", "ranges", "count"],
                [[c, str(ranges[c]), sum(hi - lo + 1 for lo, hi in ranges[c])] for c in CLASSES],
            ),
            Table("Comparisons explained", ["a", "b", "rule", "Python", "why"], comparisons),
            Table(
                "Sorted by Python",
                ["position", "word"],
                [[i, w] for i, w in enumerate(sorted(WORDS))],
            ),
        ],
        figures=[_grid_figure()],
        data={"class_ranges": ranges, "comparisons": comparisons, "sorted": sorted(WORDS)},
    )
