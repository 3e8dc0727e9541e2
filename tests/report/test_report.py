import json

from notelab.findings import Claim, Finding, Table, Verdict, registry
from notelab.report import results_document, write_report
from tests.conftest import run_cli


def test_report_files_and_results(report_dir):
    assert (report_dir / "index.html").exists()
    document = json.loads((report_dir / "results.json").read_text())
    assert [n["note"] for n in document["notes"]] == [6, 10]
    assert sum(document["summary"][v] for v in ("holds", "partly", "fails")) == sum(
        len(n["claims"]) for n in document["notes"]
    )
    for note in document["notes"]:
        for figure in note["figures"]:
            assert (report_dir / figure).stat().st_size > 1000


def test_page_is_self_contained(report_dir):
    html = (report_dir / "index.html").read_text()
    assert "http://" not in html and "https://" not in html
    assert html.count('<section class="note"') == 2


def test_unknown_note_exit_2_lists_known():
    result = run_cli("report", "--notes", "6,99")
    assert result.code == 2
    known = ", ".join(map(str, registry.known_notes()))
    assert known in result.stderr and "'99'" in result.stderr


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


def test_results_document_is_plain_json():
    import numpy as np

    finding = Finding(1, "t", data={"a": np.float64(1.5), "b": np.arange(3), "c": float("nan")})
    document = results_document([finding], {})
    assert json.loads(json.dumps(document))["notes"][0]["data"] == {
        "a": 1.5,
        "b": [0, 1, 2],
        "c": "nan",
    }
