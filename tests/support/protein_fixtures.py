"""Self-made FASTA fixtures (UniProt-style headers, invented sequences)."""

from __future__ import annotations

from pathlib import Path

UNIPROT_FASTA = """\
>sp|P12345|AATM_TEST Aspartate aminotransferase OS=Testus organismus OX=9999 GN=GOT2 PE=1 SV=2
MALLHSARVLSGVASAFHPGLAAAASARASSWWAHVEMGPPDPILGVTEAYKRDTNSKKM
NLGVGAYRDDNGKPYVLPSVRKAEAQIAAKGLDKEYLPIGGLAEFCRASAELALGENSEV
>sp|P12345-2|AATM_TEST Isoform 2 of Aspartate aminotransferase OS=Testus organismus OX=9999 GN=GOT2
MALLHSARVLSGVASAFHPGLAAAASARASSWWAHVEMG
>tr|A0A024R161|A0A024R161_TEST Uncharacterized protein OS=Testus organismus OX=9999 PE=4 SV=1
mkvlaagiva llvagcsskt
>sp|Q9Y6K9|NEMO_TEST Shares a sequence OS=Testus organismus OX=9999 GN=IKBKG PE=1 SV=1
MALLHSARVLSGVASAFHPGLAAAASARASSWWAHVEMG*
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path
