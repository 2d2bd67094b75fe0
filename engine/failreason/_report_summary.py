"""The summary ``failreason report`` prints: one record, as text for people or JSON."""

from __future__ import annotations

from typing import IO, Any

from failreason._exits import silence
from failreason._jsonl import dumps
from failreason._report_tally import FATES, Run
from failreason._terminal import escaped_lines


def record(run: Run, *, interrupted: bool) -> dict[str, Any]:
    """Counts, problems and notes of ``run``; ``problems`` is empty only when all is well."""
    fates = run.fates()
    counts = run.counts(fates)
    outcome = run.outcome
    return {
        "jobId": run.job_id,
        "interrupted": interrupted,
        **counts,
        "holdsInput": counts["accepted"] + counts["alreadyHeld"] == len(run.intents),
        "finishedBefore": run.finished,
        "problems": run.problems(fates, interrupted),
        "notes": run.notes(fates),
        "notHeld": [
            {"line": line.number, "accountingEntryId": line.entry, "fate": fate}
            for fate in FATES[2:]
            for line in fates[fate]
        ],
        "outcome": outcome.to_json() if outcome is not None else None,
    }


def render(told: dict[str, Any], form: str) -> str:
    """The record as one JSON line, or as a few lines of text."""
    if form == "json":
        return dumps(told) + "\n"
    lines = _interrupted(told) if told["interrupted"] else _finished(told)
    lines += [f"  note: {note}" for note in told["notes"]]
    lines += [f"  problem: {problem}" for problem in told["problems"]]
    return escaped_lines("\n".join(lines)) + "\n"


def _finished(told: dict[str, Any]) -> list[str]:
    lines = [
        f"export job {told['jobId']}: {told['lines']} lines read: {told['items']} items, "
        f"{told['unusable']} unusable"
        + (f", {told['repeated']} repeated" if told["repeated"] else ""),
        f"  {_items(told)}",
        f"  {'Pleo holds every item as the input says' if told['holdsInput'] else _missing(told)}",
    ]
    outcome = told["outcome"]
    if told["finishedBefore"]:
        lines.append(f"  the job was already {told['finishedBefore']}: nothing was sent")
    elif outcome is not None:
        filled = told["failedMissing"]
        extra = f", {filled} of them by --fail-missing" if filled else ""
        lines.append(
            f"  the job: {outcome['event']} posted; Pleo holds {outcome['successful']} "
            f"successful and {outcome['failed']} failed items{extra}"
        )
    else:
        lines.append("  the job was not completed")
    return lines


def _items(told: dict[str, Any]) -> str:
    parts = [
        f"{told['sent']} sent in this run ({told['accepted']} accepted by Pleo, "
        f"{told['refused']} refused)",
        f"{told['alreadyHeld']} already held by Pleo",
    ]
    if told["differs"]:
        parts.append(f"{told['differs']} held otherwise")
    parts.append(f"{told['notSent']} not sent")
    return "; ".join(parts)


def _missing(told: dict[str, Any]) -> str:
    wrong = told["items"] - told["repeated"] - told["accepted"] - told["alreadyHeld"]
    return f"Pleo does not hold {wrong} items as the input says"


def _interrupted(told: dict[str, Any]) -> list[str]:
    return [
        f"export job {told['jobId']}: interrupted after {told['items']} items read; Pleo "
        f"confirmed {told['accepted']} items from this run; the job was not completed",
        "  run the same command again to finish: items Pleo already holds are not sent twice",
    ]


def summary(run: Run, form: str, *, interrupted: bool) -> tuple[str, bool]:
    """The summary to print, and whether it names any problem."""
    told = record(run, interrupted=interrupted)
    return render(told, form), bool(told["problems"])


def write(out: IO[str], text: str) -> None:
    """Write the summary; a reader gone away (``| head``) does not change the exit status."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        silence(out)
