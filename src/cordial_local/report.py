"""What `run` shows: a progress bar on a terminal, and the table of outcomes per action."""

from __future__ import annotations

from typing import TextIO

from cordial_local.redrive import RedriveCount
from cordial_local.runner import RunSummary

COLUMNS = ("matched", "delivered", "rejected", "retried", "dead-lettered", "skipped")


class Progress:
    """A one-line bar redrawn in place; only used when the stream is a terminal."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width if total == 0 else min(self.width, self.width * done // total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} events handled")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def print_summary(summary: RunSummary, out: TextIO) -> None:
    rows: list[tuple[str, int, int, int, int, int, int]] = [
        (
            slug,
            tally.matched,
            tally.delivered,
            sum(tally.rejected.values()),
            tally.retried,
            tally.dead_lettered,
            tally.skipped,
        )
        for slug, tally in summary.actions.items()
    ]
    totals = ("total", *(sum(int(row[i]) for row in rows) for i in range(1, len(COLUMNS) + 1)))
    header = ("action", *COLUMNS)
    table = [header, *rows, totals]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]

    def line(row: tuple[object, ...]) -> str:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells)

    out.write(f"{summary.events} events in {summary.seconds:.1f} s\n\n")
    out.write(line(header) + "\n")
    out.write("  ".join("-" * width for width in widths) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write(line(totals) + "\n")

    reasons = [
        (slug, t.dead_letter_reasons)
        for slug, t in summary.actions.items()
        if t.dead_letter_reasons
    ]
    if reasons:
        out.write("\ndead-lettered, by reason:\n")
        for slug, counter in reasons:
            for reason, count in counter.most_common():
                out.write(f"  {slug}: {count} x {reason}\n")
    if summary.unmatched:
        out.write(f"\n{summary.unmatched} event(s) matched no action's rule\n")
    if summary.timed_out:
        out.write("\nthe time limit ran out before every queue was empty (see --time-limit)\n")
    if summary.refused_by_bus:
        out.write(f"\n{summary.refused_by_bus} event(s) refused by the bus (too large?)\n")
    if summary.sandbox is not None:
        accepted = sum(summary.sandbox["accepted"].values())
        out.write(
            f"\nsandbox accepted {accepted} request(s), "
            f"{summary.sandbox['repeats']} repeat(s) of an already accepted event\n"
        )
    if summary.redriven is not None:
        out.write("\nafter the faults were cleared, redriven:\n")
        print_redrive(summary.redriven, out, dry_run=False)
    unaccounted = summary.unaccounted
    out.write(
        "\nevery matched event is accounted for\n"
        if unaccounted == 0
        else f"\n{unaccounted} matched event(s) UNACCOUNTED FOR\n"
    )


def print_redrive(counts: dict[str, RedriveCount], out: TextIO, *, dry_run: bool) -> None:
    verb = "would move" if dry_run else "moved"
    lines = [
        f"  {slug}: {verb} {n} x {reason}"
        for slug, count in counts.items()
        for reason, n in sorted((count.left if dry_run else count.moved).items())
    ]
    kept = sum(sum(c.left.values()) for c in counts.values()) if not dry_run else 0
    out.write("\n".join(lines) + "\n" if lines else "  no dead letters matched\n")
    if kept:
        out.write(f"  {kept} dead letter(s) did not match and were left in place\n")
