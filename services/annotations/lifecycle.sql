-- The link lifecycle's set-based statements (services/annotations/lifecycle.py; named blocks, see
-- services/db/sql_blocks.py). Link writes are sorted by allele so the no-overlap GiST index and the allele
-- btrees are touched page by page.

-- name: drop_outcome
DROP TABLE IF EXISTS run_outcome;

-- name: create_outcome
-- Only rows that act (or would) are kept in ``run_outcome``, with their values: unchanged, never-linked and
-- errored alleles are counted in the same pass (the outcomes are materialised once, in memory, and both
-- counted and filtered), so a million-allele run neither writes nor re-reads a million outcome rows.
CREATE TEMP TABLE run_outcome (
    allele_id bigint NOT NULL, link_id bigint, outcome text NOT NULL, value jsonb, original jsonb, live_value jsonb
) ON COMMIT PRESERVE ROWS;

-- name: classify
WITH c AS MATERIALIZED (
  SELECT c.allele_id, c.link_id, c.outcome,
         CASE WHEN c.outcome IN ('supersede', 'retire', 'link', 'relink') THEN c.value END AS value,
         CASE WHEN c.outcome IN ('supersede', 'retire', 'link', 'relink') THEN c.original END AS original,
         CASE WHEN c.outcome IN ('supersede', 'retire') THEN c.live_value END AS live_value
    FROM (SELECT s.allele_id, s.value, s.original, l.id AS link_id, l.value AS live_value,
                 CASE
                   WHEN s.error IS NOT NULL THEN 'error'
                   WHEN s.value IS NULL THEN CASE WHEN l.id IS NULL THEN 'absent_unlinked' ELSE 'retire' END
                   WHEN l.id IS NULL THEN
                        -- a scalar LIMIT 1 probe, not EXISTS: EXISTS would be planned as a hash of every
                        -- link of the source, built to answer the few alleles without a live link
                        CASE WHEN (SELECT true FROM annotation_link p
                                    WHERE p.allele_id = s.allele_id AND p.source = :source LIMIT 1)
                             THEN 'relink' ELSE 'link' END
                   WHEN l.value = s.value THEN 'unchanged'
                   ELSE 'supersede'
                 END AS outcome
            FROM run_staging s
            LEFT JOIN annotation_link l
              ON l.allele_id = s.allele_id AND l.source = :source AND l.valid_to IS NULL
          OFFSET 0) AS c  -- OFFSET 0: compute each outcome once (no pull-up of the CASE into the outer list)
), kept AS (
  INSERT INTO run_outcome (allele_id, link_id, outcome, value, original, live_value)
  SELECT allele_id, link_id, outcome, value, original, live_value
    FROM c
   WHERE outcome IN ('supersede', 'retire', 'link', 'relink')
)
SELECT outcome, count(*) FROM c GROUP BY outcome;

-- name: analyze_outcome
ANALYZE run_outcome (allele_id, link_id, outcome);

-- name: apply_events
-- Events of a healthy run (rules 1–3). Written before the links move, so RELINKED can read the last value.
INSERT INTO annotation_event (run_id, allele_id, source, kind, value, previous_value, source_version, original, at)
SELECT :run_id, o.allele_id, :source, k.kind,
       CASE WHEN k.kind IN ('ABSENT', 'RETIRED') THEN NULL ELSE o.value END,
       CASE WHEN o.outcome = 'relink'
            THEN (SELECT p.value FROM annotation_link p WHERE p.allele_id = o.allele_id AND p.source = :source
                   ORDER BY p.valid_from DESC LIMIT 1)
            ELSE o.live_value END,
       :source_version, o.original, :at
  FROM run_outcome o
  JOIN (VALUES ('supersede', 'SUPERSEDED', 1), ('retire', 'ABSENT', 1), ('retire', 'RETIRED', 2),
               ('link', 'LINKED', 1), ('relink', 'RELINKED', 1)) AS k(outcome, kind, ord)
    ON k.outcome = o.outcome
 WHERE k.kind <> 'ABSENT' OR :record_absences
 ORDER BY o.allele_id, k.ord;

-- name: close_links
UPDATE annotation_link SET valid_to = :at
 WHERE id = ANY(ARRAY(SELECT link_id FROM run_outcome WHERE outcome IN ('supersede', 'retire') ORDER BY link_id));

-- name: open_links
-- A link carries its allele's contig and position (never changing: the allele's id is their hash), which order the
-- ClinVar filter's index (revision 0024).
INSERT INTO annotation_link (allele_id, source, value, source_version, run_id, valid_from, chrom, pos)
SELECT o.allele_id, :source, o.value, :source_version, :run_id, :at, a.chrom, a.pos
  FROM run_outcome o
  JOIN alleles a ON a.id = o.allele_id
 WHERE o.outcome IN ('supersede', 'link', 'relink')
 ORDER BY o.allele_id;

-- name: hold_events
-- Events of a run that may not act (rule 6); ABSENT only for absences of live links.
INSERT INTO annotation_event (run_id, allele_id, source, kind, value, previous_value, source_version, original, at)
SELECT :run_id, o.allele_id, :source, k.kind, CASE WHEN k.kind = 'ABSENT' THEN NULL ELSE o.value END,
       o.live_value, :source_version, o.original, :at
  FROM run_outcome o
  JOIN (VALUES ('supersede', 'HELD', 1), ('retire', 'ABSENT', 1), ('retire', 'HELD', 2)) AS k(outcome, kind, ord)
    ON k.outcome = o.outcome
 WHERE (k.kind = 'ABSENT' AND :record_absences) OR (k.kind = 'HELD' AND :record_held)
 ORDER BY o.allele_id, k.ord;

-- name: changes
SELECT o.allele_id, o.outcome, o.live_value, o.value
  FROM run_outcome o
 WHERE o.outcome IN ('supersede', 'retire', 'relink', 'link')
 ORDER BY o.outcome, o.allele_id
 LIMIT :limit;
