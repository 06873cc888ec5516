"""Reading the CAFA evaluator's input files: predictions, ground truth, known terms, IA and terms of interest.

Columns are separated by any whitespace, as the reference evaluator reads them; blank lines are skipped.

- predictions: ``target term score`` per line; a line with fewer than three fields is skipped and counted
  (CAFA submission headers such as ``AUTHOR x`` or ``MODEL 1``, which the reference also skips); a score that
  is not a number is an error. A folder is searched recursively, every file being one prediction set named by
  its path inside the folder with ``/`` turned into ``_`` (the reference's naming).
- ground truth and known terms: ``target term`` per line (more fields are ignored).
- IA: ``term ia`` per line, exactly two fields, the IA a number.
- terms of interest: the first field of each line.

Every malformed line is an InputFileError naming the file and the line; nothing is returned partially.
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from services.errors import InputFileError


@dataclass(frozen=True)
class PredictionFile:
    """One prediction set read from a file: its name (relative to the folder), rows, and skipped short lines."""

    name: str
    path: Path
    frame: pd.DataFrame
    skipped_lines: int


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, whitespace-split fields) of every non-blank line; unreadable files are InputFileErrors."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                fields = line.split()
                if fields:
                    yield number, fields
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), None, "is not a UTF-8 text file") from exc
    except OSError as exc:
        raise InputFileError(str(path), None, f"cannot be read ({exc.strerror or exc})") from exc


def read_pairs(path: str | Path) -> pd.DataFrame:
    """A ``target term`` file (ground truth or known terms) as a DataFrame with columns target, term."""
    path = Path(path)
    targets: list[str] = []
    terms: list[str] = []
    for number, fields in _lines(path):
        if len(fields) < 2:
            raise InputFileError(str(path), number, "expected a target and a term separated by whitespace")
        targets.append(fields[0])
        terms.append(fields[1])
    return pd.DataFrame({"target": targets, "term": terms})


def _read_prediction_table(path: Path) -> pd.DataFrame | None:
    """The fast path: a file of exactly three columns with numeric scores, read by pandas' C parser.

    Returns None when the file is anything else (short or long lines, a header, a score that is not a
    number, unreadable), leaving the line-by-line reader to apply the rules and name the line at fault.
    """
    try:
        frame = pd.read_csv(
            path,
            sep=r"\s+",
            header=None,
            dtype={0: str, 1: str, 2: "float64"},
            engine="c",
            na_filter=False,
            skip_blank_lines=True,
            compression="infer",
        )
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if frame.shape[1] != 3 or frame[2].isna().any():
        return None
    frame.columns = ["target", "term", "score"]
    return frame


def read_prediction_file(path: str | Path, name: str | None = None) -> PredictionFile:
    """One ``target term score`` file; see the module docstring for the rules."""
    path = Path(path)
    fast = _read_prediction_table(path)
    if fast is not None:
        return PredictionFile(name=name or path.name, path=path, frame=fast, skipped_lines=0)
    targets: list[str] = []
    terms: list[str] = []
    scores: list[float] = []
    skipped = 0
    for number, fields in _lines(path):
        if len(fields) < 3:
            skipped += 1
            continue
        try:
            value = float(fields[2])
        except ValueError:
            raise InputFileError(str(path), number, f"the score {fields[2]!r} is not a number") from None
        if math.isnan(value):
            raise InputFileError(str(path), number, "the score is NaN")
        targets.append(fields[0])
        terms.append(fields[1])
        scores.append(value)
    frame = pd.DataFrame({"target": targets, "term": terms, "score": pd.Series(scores, dtype="float64")})
    return PredictionFile(name=name or path.name, path=path, frame=frame, skipped_lines=skipped)


def prediction_paths(path: str | Path) -> list[tuple[str, Path]]:
    """(name, path) of the prediction files: the file itself, or every file under a folder, sorted by name."""
    root = Path(path)
    if root.is_file():
        return [(root.name, root)]
    if not root.is_dir():
        raise InputFileError(str(root), None, "is neither a file nor a folder")
    found: list[tuple[str, Path]] = []
    for folder, _, files in os.walk(root):
        for file in files:
            full = Path(folder) / file
            found.append((full.relative_to(root).as_posix().replace("/", "_"), full))
    if not found:
        raise InputFileError(str(root), None, "holds no prediction file")
    return sorted(found)


def read_ia(path: str | Path) -> dict[str, float]:
    """A ``term ia`` file as a dict (the last line of a repeated term wins, as in the reference)."""
    path = Path(path)
    ia: dict[str, float] = {}
    for number, fields in _lines(path):
        if len(fields) != 2:
            raise InputFileError(str(path), number, f"expected two fields (term and IA), found {len(fields)}")
        try:
            ia[fields[0]] = float(fields[1])
        except ValueError:
            raise InputFileError(str(path), number, f"the IA {fields[1]!r} is not a number") from None
    return ia


def read_terms(path: str | Path) -> list[str]:
    """The first field of every non-blank line (a terms-of-interest file)."""
    return [fields[0] for _, fields in _lines(Path(path))]
