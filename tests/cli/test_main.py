from tests.conftest import run_cli


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.code == 0
    for command in ("report", "ascii", "steps"):
        assert command in result.stdout


def test_unknown_command_exit_2():
    result = run_cli("frobnicate")
    assert result.code == 2 and "No such command" in result.stderr


def test_debug_shows_traceback():
    result = run_cli("--debug", "ascii", "bogus")
    assert result.code == 2 and "Traceback" in result.stderr
