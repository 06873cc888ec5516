"""The compiled fast path of the record converter, and the block conversion that uses it when it can.

Contract:
1. ``convert_block(conv, data, first_line_no, rows, alleles)`` appends to ``rows``/``alleles`` exactly the bytes
   that ``conv.convert`` gives for each line of ``data`` in order, and updates ``conv.stats`` the same way.
2. With the C extension ``_fastconvert`` built (setup.py; optional) and no reference FASTA, the common record
   shape is converted in C and every other line — unusual shapes and every malformed line, whose error must
   name the file and line — is handed to ``conv.convert``. Without the extension, with a FASTA, or with
   ``WORKBENCH_FAST_CONVERT=0``, every line goes to ``conv.convert``.
3. Both paths give identical bytes: tests/variants/test_fastpath.py compares them line by line on fixtures of
   every supported shape. The compiled converter hands every suspicious line (an unknown contig, a POS past
   its contig or ``MAX_POSITION``, an END before POS, a GT naming a missing allele, anything not plain DNA) to
   the Python converter, which refuses it or counts its warning.
4. A block that is not UTF-8 is converted up to the line that is not, which raises ``VcfFormatError`` naming it
   (a Latin-1 file is refused, never turned into U+FFFD replacement characters).
"""

from __future__ import annotations

from typing import Any

from services import config
from services.alleles.consequences import CODING, LOSS_OF_FUNCTION, RANK, SEVERITY, ConsequenceFormat
from services.alleles.vcf_header import VcfFormatError
from services.variants.info_typing import float_value, int_value
from services.variants.records import RecordConverter

#: The row layout this code writes; a compiled converter built from older C source (a stale build) is not used.
ROW_FORMAT = 2  # 2: INFO and consequences packed (packed_json, revision 0020)

try:
    from services.variants import _fastconvert
except ImportError:  # not built (no C compiler at install time): the Python converter does everything
    _fastconvert = None
if _fastconvert is not None and getattr(_fastconvert, "ROW_FORMAT", 1) != ROW_FORMAT:
    _fastconvert = None  # stale: rebuild it (pip install -e . or python setup.py build_ext --inplace)

#: Mapped annotation columns in the order the C code numbers them.
TARGETS = ("af_gnomad", "af_gnomad_popmax", "af_1kg", "cadd_phred", "clinvar_sig", "clinvar_review")
_KIND = {int_value: 0, float_value: 1}  # the converter's INFO value readers; any other reads text (2)
_NUMBER = {"A": 0, "R": 1, "G": 2}  # per-allele Number codes; -1 for any other


def available() -> bool:
    """True when the compiled converter is built and not switched off."""
    return _fastconvert is not None and config.fast_convert()


def _format_config(fmt: ConsequenceFormat | None, targets: dict[str, int]) -> tuple | None:
    if fmt is None:
        return None

    def at(i: int | None) -> int:
        return -1 if i is None else i

    return (
        fmt.kind,
        fmt.width,
        at(fmt.allele),
        at(fmt.allele_num),
        at(fmt.pick_flag),
        at(fmt.mane),
        at(fmt.canonical),
        at(fmt.consequence),
        at(fmt.impact),
        at(fmt.gene),
        at(fmt.gene_id),
        at(fmt.transcript),
        at(fmt.hgvs_c),
        at(fmt.hgvs_p),
        tuple((TARGETS.index(t), i) for t, i in targets.items()),
    )


def _compiled(conv: RecordConverter) -> Any | None:
    """The C converter configured like ``conv`` (cached on it), or None where it cannot be used."""
    cached = getattr(conv, "_compiled", False)
    if cached is not False:
        return cached
    compiled = None
    if available() and conv.fetch is None:
        if not CODING | LOSS_OF_FUNCTION <= set(SEVERITY):  # the C code ranks only SEVERITY's terms
            raise RuntimeError("a coding or loss-of-function term is missing from consequences.SEVERITY")
        terms = [(t, RANK[t], t in CODING, t in LOSS_OF_FUNCTION) for t in SEVERITY]

        def key_spec(key: str) -> tuple[int, int, int, int, int]:
            ki = conv.info.key(key)
            target = -1 if ki.target is None else TARGETS.index(ki.target)
            return _KIND.get(ki.parse, 2), ki.per_allele, ki.always_single, _NUMBER.get(ki.number, -1), target

        compiled = _fastconvert.Converter(
            conv.build,
            conv.batch,
            list(conv.sample_ids),
            _format_config(conv.csq, conv.csq_targets),
            _format_config(conv.ann, {}),
            conv.eff is not None,
            terms,
            key_spec,
            conv.contigs.fast_lookup,
        )
    conv._compiled = compiled
    return compiled


def convert_block(conv: RecordConverter, data: bytes, first_line_no: int, rows: bytearray, alleles: bytearray) -> int:
    """Convert the lines of ``data`` (module contract); returns how many lines went to the Python converter."""
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = data.rfind(b"\n", 0, exc.start) + 1
            bad_line = first_line_no + data.count(b"\n", 0, start)
            convert_block(conv, data[:start], first_line_no, rows, alleles)
            raise VcfFormatError(
                conv.path,
                bad_line,
                f"byte 0x{data[exc.start]:02x} is not UTF-8 text (VCF files are UTF-8; a Latin-1 file can be "
                "converted with iconv -f latin1 -t utf-8)",
            ) from None
    compiled = _compiled(conv)
    if compiled is None:
        convert = conv.convert
        handed = 0
        for line_no, line in enumerate(data.decode("utf-8").split("\n"), start=first_line_no):
            if line:
                convert(line, line_no, rows, alleles)
                handed += 1
        return handed
    stats = conv.stats
    convert = conv.convert
    records, n_rows, no_carrier, fallbacks = compiled.convert_block(
        data, first_line_no, rows, alleles, stats.contigs, lambda line, n: convert(line, n, rows, alleles)
    )
    stats.records += records
    stats.rows += n_rows
    if no_carrier:
        stats.skipped += no_carrier
        stats.skip_reasons["no_carrier"] += no_carrier
    return fallbacks
