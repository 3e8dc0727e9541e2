"""Note 10: the ASCII table, a look-up of any character and an explained string comparison."""

from notelab.text.ascii_table import CLASSES, AsciiRow, ascii_table, char_class, class_ranges, row
from notelab.text.compare import Comparison, compare, sort_by_rule
from notelab.text.lookup import LookupResult, lookup, parse_code_point

__all__ = [
    "CLASSES",
    "AsciiRow",
    "Comparison",
    "LookupResult",
    "ascii_table",
    "char_class",
    "class_ranges",
    "compare",
    "lookup",
    "parse_code_point",
    "row",
    "sort_by_rule",
]
