import curses.ascii

from notelab.findings.note10_ascii import run


def test_claims_and_verdicts_follow_the_standard():
    finding = run()
    verdicts = {c.text: c.verdict.value for c in finding.claims}
    assert verdicts["Codes 0-32 are control characters."] == "partly"
    assert verdicts["NUL is 0 and space is 32."] == "holds"
    assert verdicts["Digits are codes 48-57."] == "holds"
    assert all(c.evidence for c in finding.claims)
    assert not curses.ascii.iscntrl(32)  # the reference the partly verdict rests on
    assert finding.figures and finding.tables
