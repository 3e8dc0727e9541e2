"""Findings to a report: the HTML page, PNG figures, results.json and a terminal summary."""

from notelab.report.render import write_report
from notelab.report.results import results_document, results_schema, verdict_counts
from notelab.report.summary import print_summary

__all__ = ["print_summary", "results_document", "results_schema", "verdict_counts", "write_report"]
