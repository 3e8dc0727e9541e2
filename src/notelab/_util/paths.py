"""Output paths checked against input paths: a command never writes over a file it reads.

Files are compared by identity (device and inode, as :func:`os.path.samefile` does), so
``x``, ``./x``, ``/abs/x``, a hard link and a symbolic link to ``x`` are all the same file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from notelab._util.errors import InputError

PathLike = str | os.PathLike[str]


def _identity(path: PathLike) -> tuple[int, int] | None:
    """(device, inode) of the file ``path`` names, following links; None if it does not exist."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _input_files(inputs: Iterable[PathLike]) -> dict[tuple[int, int], str]:
    """Every input file by identity, a directory standing for the files under it."""
    found: dict[tuple[int, int], str] = {}
    for raw in inputs:
        path = Path(raw)
        files = (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            identity = _identity(file)
            if identity is not None:
                found.setdefault(identity, str(file))
    return found


def _inside(directory: Path, inputs: Iterable[PathLike]) -> str | None:
    """An input that lies in ``directory`` (or is it), if any."""
    root = directory.resolve()
    for raw in inputs:
        resolved = Path(raw).resolve()
        if resolved == root or root in resolved.parents:
            return str(raw)
    return None


def refuse_overwriting_inputs(
    outputs: Iterable[PathLike | None], inputs: Iterable[PathLike]
) -> None:
    """Raise :class:`InputError` if an output is one of the inputs, or two outputs coincide.

    Parameters
    ----------
    outputs : paths or None
        Files (or directories, such as an index) the command will write; ``None`` and ``-``
        (standard output) are skipped.
    inputs : paths
        Files and directories the command reads (a directory stands for the files under it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.jsonl").write_text("{}")
    >>> refuse_overwriting_inputs([folder / "out.jsonl"], [folder / "in.jsonl"])
    >>> refuse_overwriting_inputs([folder / "." / "in.jsonl"], [folder / "in.jsonl"])
    Traceback (most recent call last):
    ...
    notelab._util.errors.InputError: expected an output that is not an input ...
    """
    inputs = list(inputs)
    chosen = [Path(p) for p in outputs if p is not None and str(p) != "-"]
    read = _input_files(inputs)
    seen: dict[tuple[int, int] | Path, Path] = {}
    for output in chosen:
        if output.is_dir():
            inside = _inside(output, inputs)
            if inside is not None:
                _refuse(output, f"the folder holding the input {inside!r}")
        identity = _identity(output)
        if identity is not None and identity in read:
            _refuse(output, f"the input {read[identity]!r}")
        key = identity if identity is not None else output.resolve()
        if key in seen:
            raise InputError(
                "a different path for each output",
                f"{str(seen[key])!r} and {str(output)!r} name one file",
                "give each output its own file",
            )
        seen[key] = output


def _refuse(output: Path, what: str) -> None:
    raise InputError(
        "an output that is not an input (inputs are never modified)",
        f"{str(output)!r}, which is {what}",
        "write to another path",
    )
