"""The shared kernel of variants and annotations: the allele key and its bulk insertion (``keys``), allele and
contig normalisation (``normalize``), VCF header reading (``vcf_header``), consequence annotations
(``consequences``) and input-file hashing (``hashing``). It imports no domain.
"""
