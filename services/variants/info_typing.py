"""INFO typing: how each INFO key is read, and one record's INFO column as typed values.

Contract:
1. A key is read as its header declares it (``InfoKey``): Integer values become ints (a value that is not an
   integer, or beyond 64 bits, stays text), Float values finite floats (else text), every other type text;
   ``.`` is None. A key the header does not declare reads as ``Number=.`` String.
2. Number A/R/G values are per allele (split per ALT with ``normalize.split_values``); Number 1 and 0, and
   Number=. String values, are never split on commas; other values with a comma become lists.
3. ``InfoReader.read`` gives a record's INFO in file order, flags first (a repeated key keeps its last value);
   CSQ/ANN/EFF are left raw (``RecordInfo.raw``) for the consequence parsers. An INFO END before POS raises
   ``VcfFormatError``; an ``=`` with no key too.
4. A key whose canonical name (lower case, letters and digits) is in ``MAPPED_FIELDS`` fills that annotation
   column of the variants row (``RecordInfo.mapped_for``); the first value of a list is the column's value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from services.alleles.normalize import split_values
from services.alleles.vcf_header import Header, VcfFormatError
from services.variants.copy_binary import INT8_MAX, INT8_MIN

CONSEQUENCE_KEYS = frozenset({"CSQ", "ANN", "EFF"})


def canon(name: str) -> str:
    """A field name compared without case or punctuation (``gnomAD_AF`` → ``gnomadaf``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Annotation columns filled from INFO (first) or the picked consequence, by canonical field name.
MAPPED_FIELDS: dict[str, frozenset[str]] = {
    "af_gnomad": frozenset(
        {
            "gnomadaf",
            "afgnomad",
            "gnomadeaf",
            "gnomadgaf",
            "gnomadexomesaf",
            "gnomadgenomesaf",
            "gnomadafall",
            "gnomadv4af",
            "gnomadafglobal",
        }
    ),
    "af_gnomad_popmax": frozenset(
        {
            "gnomadafpopmax",
            "afpopmax",
            "popmaxaf",
            "gnomadpopmaxaf",
            "gnomadpopmax",
            "afgrpmax",
            "gnomadafgrpmax",
            "gnomadgrpmaxaf",
            "gnomadgrpmax",
            "gnomadeafgrpmax",
            "gnomadgafgrpmax",
            "gnomadeafpopmax",
            "gnomadmaxaf",
        }
    ),
    "af_1kg": frozenset({"af1kg", "1kgaf", "kgaf", "1000gaf", "1000gpaf", "af1000g", "1kgpaf", "kgpaf"}),
    "cadd_phred": frozenset({"caddphred", "cadd", "caddscaled"}),
    "clinvar_sig": frozenset({"clnsig", "clinsig", "clinvarsig", "clinvarclnsig", "clinvarsignificance"}),
    "clinvar_review": frozenset({"clnrevstat", "clinvarclnrevstat", "clinvarreview", "clinvarreviewstatus"}),
}
TARGET_OF = {name: target for target, names in MAPPED_FIELDS.items() for name in names}


def number(v: object) -> float | None:
    """A mapped annotation value as a finite float, or None (first of ``&``/``,``-joined values)."""
    if v is None or v is True or v is False:
        return None
    kind = type(v)
    if kind is float:
        return v if v - v == 0.0 else None  # type: ignore[operator]
    if kind is int:
        return float(v)  # type: ignore[arg-type]
    return _float(v if kind is str else str(v))


def _float(v: str | None) -> float | None:
    if v is None or v == "" or v == ".":
        return None
    if "&" in v:
        v = v.split("&")[0]
    if "," in v:
        v = v.split(",")[0]
    try:
        f = float(v)
    except ValueError:
        return None
    return f if f - f == 0.0 else None  # finite: inf - inf and nan - nan are nan


def int_value(v: str) -> object:
    """An Integer INFO value; one that is not an integer, or beyond 64 bits (JSON), stays text."""
    if v == ".":
        return None
    try:
        i = int(v)
    except ValueError:
        return v
    return i if INT8_MIN <= i <= INT8_MAX else v


def float_value(v: str) -> object:
    """A Float INFO value; one that is not a finite number stays text."""
    if v == ".":
        return None
    try:
        f = float(v)
    except ValueError:
        return v
    return f if f - f == 0.0 else v


def text_value(v: str) -> object:
    return None if v == "." else v


_TYPED = {"Integer": int_value, "Float": float_value}


@dataclass(frozen=True)
class InfoKey:
    """How one INFO key is read: per allele (Number A/R/G) or not, its value parser, its mapped column."""

    number: str
    per_allele: bool
    always_single: bool
    parse: Callable[[str], object]
    target: str | None


@dataclass(slots=True)
class RecordInfo:
    """One record's INFO (contract point 3). With one ALT, per-allele values are final already
    (``allele_info``); with several they wait in ``per_allele`` to be split per ALT."""

    base: dict[str, object] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    per_allele: list[tuple[str, str, list[object]]] = field(default_factory=list)
    allele_info: dict[str, object] = field(default_factory=dict)
    mapped: dict[str, object] = field(default_factory=dict)

    def for_alt(self, alt_index: int, n_alts: int) -> dict[str, object]:
        """The INFO stored with ALT number ``alt_index`` (1-based): per-allele values follow the other keys."""
        if n_alts == 1:
            info = self.base  # one ALT: nothing else reads it, no copy
            info.update(self.allele_info)
            return info
        info = dict(self.base)
        for key, num, values in self.per_allele:
            info[key] = split_values(num, values, alt_index, n_alts)
        return info

    def mapped_for(self, alt_index: int, n_alts: int, into: dict[str, object]) -> None:
        """Set ``into``'s mapped columns from INFO for ALT ``alt_index`` (over values from the consequence)."""
        for target, value in self.mapped.items():
            if isinstance(value, tuple):
                value = split_values(value[1], value[2], alt_index, n_alts)
            if value is not None and value is not True:
                into[target] = value if not isinstance(value, list) else value[0]


class InfoReader:
    """Reads the INFO column of one file's records; each key's ``InfoKey`` is computed once."""

    def __init__(self, path: str, header: Header):
        self.path = path
        self.header = header
        self.keys: dict[str, InfoKey] = {}

    def key(self, key: str) -> InfoKey:
        """How INFO ``key`` is read (contract points 1 and 2), from its header definition."""
        ki = self.keys.get(key)
        if ki is not None:
            return ki
        d = self.header.info.get(key)
        num, kind = (d.number, d.type) if d else (".", "String")
        ki = InfoKey(
            number=num,
            per_allele=num in ("A", "R", "G"),
            always_single=num in ("1", "0") or (num == "." and kind == "String"),
            parse=_TYPED.get(kind, text_value),
            target=TARGET_OF.get(canon(key)),
        )
        self.keys[key] = ki
        return ki

    def read(self, info_s: str, pos0: int, n_alts: int, line_no: int) -> RecordInfo:
        """The INFO column of the record at ``pos0`` with ``n_alts`` ALTs (contract point 3)."""
        info = RecordInfo()
        base, raw = info.base, info.raw
        if info_s != "." and info_s:
            for item in info_s.split(";"):
                key, eq, value = item.partition("=")
                if not key:
                    if item:
                        raise VcfFormatError(self.path, line_no, f"malformed INFO entry {item!r}")
                elif eq:
                    raw[key] = value
                else:
                    base[key] = True
        end_s = raw.get("END")
        if end_s is not None:
            try:
                end_value = int(end_s)
            except ValueError:
                pass
            else:
                if end_value < pos0:
                    raise VcfFormatError(self.path, line_no, f"INFO END {end_value} is before POS {pos0}")
        # Number=A/R/G values: split per ALT later; with one ALT their value is final here (what split_values
        # gives for the only ALT), kept apart so that they follow the other keys as they do after a split.
        single_alt = n_alts == 1
        keys = self.keys
        for key, value in raw.items():
            if key in CONSEQUENCE_KEYS:
                continue
            ki = keys.get(key) or self.key(key)
            parse = ki.parse
            if ki.per_allele:
                if single_alt:
                    if "," in value:
                        final: object = [parse(v) for v in value.split(",")]
                    else:
                        final = parse(value) if ki.number == "A" else [parse(value)]
                    info.allele_info[key] = final
                    if ki.target is not None:
                        info.mapped[ki.target] = final
                    continue
                values = [parse(v) for v in value.split(",")]
                info.per_allele.append((key, ki.number, values))
                if ki.target is not None:
                    info.mapped[ki.target] = (key, ki.number, values)
            else:
                typed = parse(value) if ki.always_single or "," not in value else [parse(v) for v in value.split(",")]
                base[key] = typed
                if ki.target is not None:
                    info.mapped[ki.target] = typed
        return info
