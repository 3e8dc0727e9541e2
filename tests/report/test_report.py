import io
import json
import warnings

import jsonschema
import pytest
from rich.console import Console

from notelab.findings import Claim, Estimate, Finding, Table, Verdict, at_least, registry
from notelab.report import print_summary, results_document, results_schema, write_report
from tests.conftest import run_cli


def test_report_files_and_results(report_dir):
    assert (report_dir / "index.html").exists()
    document = json.loads((report_dir / "results.json").read_text())
    assert [n["note"] for n in document["notes"]] == [6, 10]
    verdicts = ("holds", "partly", "fails", "unclear")
    assert sum(document["summary"][v] for v in verdicts) == sum(
        len(n["claims"]) for n in document["notes"]
    )
    for note in document["notes"]:
        for figure in note["figures"]:
            assert (report_dir / figure).stat().st_size > 1000


def test_results_json_follows_its_schema(report_dir):
    document = json.loads((report_dir / "results.json").read_text())
    jsonschema.Draft202012Validator.check_schema(results_schema())
    jsonschema.validate(document, results_schema(), cls=jsonschema.Draft202012Validator)
    claim = document["notes"][0]["claims"][0]
    assert claim["estimate"]["count"] >= 1 and claim["thresholds"]["holds"]["text"]


def test_every_claim_carries_estimate_thresholds_and_verdict(report_dir):
    document = json.loads((report_dir / "results.json").read_text())
    for note in document["notes"]:
        for claim in note["claims"]:
            est = claim["estimate"]
            assert est["low"] <= est["value"] <= est["high"], claim["id"]
            assert claim["verdict"] in ("holds", "partly", "fails", "unclear")


def test_schema_rejects_a_claim_without_its_measurement():
    bare = Finding(6, "t", claims=[Claim("a claim", Verdict.HOLDS, "typed in, not measured")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(results_document([bare], {}), results_schema())


def test_page_is_self_contained(report_dir):
    html = (report_dir / "index.html").read_text()
    assert "http://" not in html and "https://" not in html
    assert html.count('<section class="note"') == 2


def test_page_shows_numbers_for_people(report_dir):
    html = (report_dir / "index.html").read_text()
    assert "batch size" in html and "batch_size" not in html.split("<footer>")[0]
    assert "89,000" in html  # counts with thousands separators
    assert "Scale quick, seed 0" in html and "What ran:" in html


def test_unknown_note_exit_2_lists_known():
    result = run_cli("report", "--notes", "6,99")
    assert result.code == 2
    known = ", ".join(map(str, registry.known_notes()))
    assert known in result.stderr and "'99'" in result.stderr


@pytest.mark.parametrize("notes", ["", "  "])
def test_empty_note_list_is_an_error(notes):
    result = run_cli("report", "--notes", notes)
    assert result.code == 2
    assert "empty --notes" in result.stderr and "Traceback" not in result.stderr


def test_failing_finding_does_not_sink_report(tmp_path, monkeypatch):
    def broken(scale, seed):
        raise RuntimeError("boom")

    monkeypatch.setattr(registry, "runner", lambda note: broken if note == 6 else _ok)
    findings = [registry.run_finding(6), registry.run_finding(10)]
    assert findings[0].error and "boom" in findings[0].error
    page = write_report(findings, tmp_path, scale="quick", seed=0)
    html = page.read_text()
    assert "failed to run" in html and "RuntimeError: boom" in html
    assert "a claim" in html


def _ok(scale, seed):
    return Finding(
        10,
        "ok",
        claims=[Claim("a claim", Verdict.HOLDS, "measured")],
        tables=[Table("t", ["x"], [[1.5]])],
    )


def _warns(scale, seed):
    from sklearn.exceptions import ConvergenceWarning

    for _ in range(3):
        warnings.warn("did not converge", ConvergenceWarning, stacklevel=1)
    warnings.warn("something else", UserWarning, stacklevel=1)
    return _ok(scale, seed)


def test_library_warnings_are_kept_on_the_finding_not_printed(tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(registry, "runner", lambda note: _warns)
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        finding = registry.run_finding(10)
    assert outside == [] and capfd.readouterr().err == ""
    assert len(finding.warnings) == 2
    assert finding.warnings[0].startswith("ConvergenceWarning: did not converge (")
    assert finding.warnings[0].endswith(", 3 times)")
    assert finding.warnings[1].startswith("UserWarning: something else (")
    html = write_report([finding], tmp_path, scale="quick", seed=0).read_text()
    assert "2 library warnings while it ran" in html and "did not converge" in html
    assert json.loads((tmp_path / "results.json").read_text())["notes"][0]["warnings"] == (
        finding.warnings
    )


def test_unclear_is_counted_and_shown_like_the_others(tmp_path):
    unclear = Claim.judged(
        "on the edge",
        Estimate(0.9, 0.8, 1.0, 5, "mean of 5"),
        holds=at_least(0.9),
        evidence="0.9 (0.8 to 1.0)",
    )
    finding = Finding(10, "t", claims=[unclear, Claim("b", Verdict.HOLDS, "e")])
    console = Console(file=io.StringIO(), width=120)
    page = write_report([finding], tmp_path, scale="quick", seed=0)
    print_summary([finding], page, console)
    out = console.file.getvalue()
    assert "1 hold, 0 partly, 0 fail, 1 unclear" in out and "? unclear" in out
    html = page.read_text()
    assert 'class="pill unclear"' in html and "1 unclear" in html


def test_results_document_is_plain_json():
    import numpy as np

    finding = Finding(1, "t", data={"a": np.float64(1.5), "b": np.arange(3), "c": float("nan")})
    document = results_document([finding], {})
    assert json.loads(json.dumps(document))["notes"][0]["data"] == {
        "a": 1.5,
        "b": [0, 1, 2],
        "c": "nan",
    }
