"""The variants row is defined once (services/variants/columns.py): the model, the loader's COPY and the
converter's rows agree with it, and parser processes read it without loading SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from services.alleles.keys import STAGING_COLUMNS
from services.alleles.vcf_header import read_header
from services.variants import columns
from services.variants.models import Allele, Variant
from services.variants.records import RecordConverter

REPO = Path(__file__).resolve().parents[2]


def test_the_model_declares_the_copy_columns_in_their_order() -> None:
    written = tuple(c.name for c in Variant.__table__.columns if c.name not in columns.SERVER_FILLED)
    assert written == columns.VARIANT_COPY_COLUMNS
    assert all(Variant.__table__.c[name].server_default is not None for name in columns.SERVER_FILLED)
    assert set(STAGING_COLUMNS) <= {c.name for c in Allele.__table__.columns}


def test_a_converted_row_has_each_column_where_the_layout_says(tmp_path) -> None:
    """Decode one binary row: the value of each named column sits at that column's position."""
    import struct

    vcf = tmp_path / "one.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr1\t100\trs9\tA\tG\t50\tPASS\tDP=7\tGT:GQ:DP:AD\t0/1:30:12:5,7\n"
    )
    with open(vcf) as fh:
        header, _ = read_header(str(vcf), fh)
    conv = RecordConverter(str(vcf), header, "GRCh38", uuid.UUID(int=5), [42])
    out, alleles = bytearray(), bytearray()
    conv.convert(vcf.read_text().splitlines()[-1], 4, out, alleles)
    (n,) = struct.unpack(">h", out[:2])
    assert n == len(columns.VARIANT_COPY_COLUMNS)
    fields, at = [], 2
    for _ in range(n):
        (size,) = struct.unpack(">i", out[at : at + 4])
        at += 4
        fields.append(None if size < 0 else bytes(out[at : at + size]))
        at += max(size, 0)
    assert at == len(out)
    row = dict(zip(columns.VARIANT_COPY_COLUMNS, fields, strict=True))
    assert (row["chrom"], row["ref"], row["alt"], row["rs_id"], row["gt"]) == (b"chr1", b"A", b"G", b"rs9", b"0/1")
    assert struct.unpack(">q", row["pos"]) == (100,) and struct.unpack(">i", row["gq"]) == (30,)
    assert struct.unpack(">i", row["sample_id"]) == (42,) and row["load_batch_id"] == uuid.UUID(int=5).bytes


def test_parser_processes_do_not_load_sqlalchemy() -> None:
    code = "import sys, services.variants.fastpath; print('sqlalchemy' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO)},
    )
    assert shown.stdout.strip() == "False"
