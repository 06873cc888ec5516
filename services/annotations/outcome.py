"""What a run's result means for a curator, in words: what happened and what to do next.

The job's findings, the CLI and the Annotation runs page use the same sentences. Contract: every run status
has a sentence; a run that changed nothing (held, braked, rejected) says "nothing applied" and names the next
step, so a held run never reads as a plain success.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunOutcome:
    headline: str
    next_step: str | None
    applied: bool


def run_outcome(status: str, health: str | None, source: str, version: str, reasons: list[str]) -> RunOutcome:
    why = "; ".join(reasons)
    if status == "applied":
        return RunOutcome(f"applied — {source} {version} is now the current source", None, True)
    if status == "held":
        if health == "partial":
            return RunOutcome(
                f"held — nothing applied: the run did not see every allele ({why or 'stopped early'})",
                f"Refresh {source} {version} again; nothing changed meanwhile.",
                False,
            )
        integrity = any("fewer records" in r or "contigs missing" in r for r in reasons)
        return RunOutcome(
            f"held — nothing applied: the run was {health or 'not healthy'} ({why or 'no reason recorded'})",
            (
                f"If release {version} is sound, a lead verifies it on the Annotation runs page, "
                f"then refresh {source} {version} again."
                if integrity
                else f"Check release {version} of {source} (source errors above the budget), then refresh again."
            ),
            False,
        )
    if status == "braked":
        return RunOutcome(
            f"braked — nothing applied yet: {why or 'it would retire many links'}",
            "A lead confirms (apply) or rejects (hold) the run on the Annotation runs page.",
            False,
        )
    if status == "rejected":
        return RunOutcome("rejected by a lead — nothing applied", None, False)
    if status == "failed" or health == "errored":
        return RunOutcome(
            f"errored — nothing applied: {why or 'see the job'}", "Fix the cause, then refresh again.", False
        )
    if status == "would_apply":
        return RunOutcome("dry run — would apply", None, False)
    return RunOutcome(f"{status} — {why}" if why else status, None, False)
