"""A small self-made GO-like ontology (OBO 1.2) with every feature the loader handles.

GO:0000001 root BP ── is_a ── GO:0000010 metabolic process ── is_a ── GO:0000011 sugar metabolism
                                                     └─ part_of ── GO:0000012 sugar transport step
GO:0000020 regulation of sugar metabolism ── regulates ── GO:0000011 (and is_a GO:0000001)
GO:0000030 root MF ── is_a ── GO:0000031 binding (alt_id GO:0000099)
GO:0000040 root CC ── is_a ── GO:0000041 nucleus
GO:0000050 obsolete, replaced_by GO:0000031, consider GO:0000041
"""

MINI_GO = """\
format-version: 1.2
data-version: releases/2026-01-01
ontology: go

[Term]
id: GO:0000001
name: biological_process
namespace: biological_process

[Term]
id: GO:0000010
name: metabolic process
namespace: biological_process
def: "Chemical reactions." [GOC:test]
is_a: GO:0000001 ! biological_process

[Term]
id: GO:0000011
name: sugar metabolic process
namespace: biological_process
is_a: GO:0000010 ! metabolic process

[Term]
id: GO:0000012
name: sugar transport step
namespace: biological_process
relationship: part_of GO:0000011 ! sugar metabolic process

[Term]
id: GO:0000020
name: regulation of sugar metabolic process
namespace: biological_process
is_a: GO:0000001
relationship: regulates GO:0000011
relationship: has_part GO:0000010

[Term]
id: GO:0000030
name: molecular_function
namespace: molecular_function

[Term]
id: GO:0000031
name: binding
namespace: molecular_function
alt_id: GO:0000099
is_a: GO:0000030

[Term]
id: GO:0000040
name: cellular_component
namespace: cellular_component

[Term]
id: GO:0000041
name: nucleus
namespace: cellular_component
is_a: GO:0000040

[Term]
id: GO:0000050
name: obsolete thing
namespace: molecular_function
is_obsolete: true
replaced_by: GO:0000031
consider: GO:0000041

[Typedef]
id: part_of
name: part of
"""

# The same release as go.obo: one more edge (a cross-aspect part_of that go-basic would drop).
MINI_GO_FULL = MINI_GO.replace(
    "id: GO:0000041\nname: nucleus\nnamespace: cellular_component\nis_a: GO:0000040\n",
    "id: GO:0000041\nname: nucleus\nnamespace: cellular_component\nis_a: GO:0000040\n"
    "relationship: part_of GO:0000040\n",
)
