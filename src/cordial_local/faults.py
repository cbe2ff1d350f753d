"""Fault injection for the Cordial sandbox: the `KIND[:RATE][:NAME=VALUE...]` specs.

A fault makes the sandbox answer an ingest request the way a struggling Cordial would, so
that retry, back-off and dead-letter behaviour can be tested against real HTTP.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "reset", "slow"]

SLUGS = (
    "createContactactivity",
    "upsertContact",
    "addContactToList",
    "removeContactFromList",
    "addProductToCart",
    "removeProductFromCart",
    "upsertOrder",
    "mergeContacts",
)
OPTIONS = ("retry-after", "delay", "action")


@dataclass(frozen=True)
class Fault:
    """One way of failing a share (`rate`) of the requests, optionally only for one action.

    `kind` is "status" (answer `status` with a JSON error), "reset" (close the connection
    without an answer) or "slow" (answer normally, but only after `delay` seconds). A
    `delay` on the other kinds waits that long before failing.
    """

    kind: FaultKind
    status: int | None = None
    rate: float = 1.0
    retry_after: int | None = None
    delay: float = 0.0
    action: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "status" and (self.status is None or not 400 <= self.status <= 599):
            raise ValueError(f"fault status must be an HTTP error code 400-599, not {self.status}")
        if self.kind != "status" and self.status is not None:
            raise ValueError(f"a {self.kind!r} fault takes no status code")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        if self.retry_after is not None and (self.kind != "status" or self.retry_after < 0):
            raise ValueError("retry-after must be whole seconds >= 0 on a status-code fault")
        if not 0.0 <= self.delay < math.inf:
            raise ValueError(f"fault delay must be a number of seconds >= 0, not {self.delay}")
        if self.kind == "slow" and self.delay == 0.0:
            raise ValueError("a 'slow' fault needs delay=SECONDS greater than 0")
        if self.action is not None and self.action not in SLUGS:
            raise ValueError(f"unknown action {self.action!r}; expected one of {', '.join(SLUGS)}")

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """Read `KIND[:RATE][:NAME=VALUE...]`, e.g. `429:0.2:retry-after=1` or `reset:0.05`."""
        head, *rest = spec.strip().split(":")
        kind, status = _parse_kind(head, spec)
        rate = 1.0
        if rest and "=" not in rest[0]:
            rate = _parse_number(rest.pop(0), "rate", spec)

        options = _parse_options(rest, spec)
        retry_after = options.get("retry-after")
        if retry_after is not None and not retry_after.isdigit():
            raise ValueError(f"bad fault {spec!r}: retry-after must be whole seconds")
        delay = options.get("delay")

        try:
            return cls(
                kind=kind,
                status=status,
                rate=rate,
                retry_after=None if retry_after is None else int(retry_after),
                delay=0.0 if delay is None else _parse_number(delay, "delay", spec),
                action=options.get("action"),
            )
        except ValueError as exc:
            raise ValueError(f"bad fault {spec!r}: {exc}") from exc

    def __str__(self) -> str:
        parts = [str(self.status) if self.kind == "status" else self.kind, f"{self.rate:g}"]
        if self.retry_after is not None:
            parts.append(f"retry-after={self.retry_after}")
        if self.delay:
            parts.append(f"delay={self.delay:g}")
        if self.action is not None:
            parts.append(f"action={self.action}")
        return ":".join(parts)

    def applies_to(self, slug: str) -> bool:
        return self.action is None or self.action == slug


def choose_fault(faults: Sequence[Fault], slug: str, rng: random.Random) -> Fault | None:
    """The first fault, in order, that covers `slug` and whose draw hits; None to answer."""
    for fault in faults:
        # Draw even at rate 1 so that the seeded sequence does not depend on the rates.
        if fault.applies_to(slug) and rng.random() < fault.rate:
            return fault
    return None


def _parse_kind(head: str, spec: str) -> tuple[FaultKind, int | None]:
    if head == "reset":
        return "reset", None
    if head == "slow":
        return "slow", None
    if head.isdigit():
        return "status", int(head)
    raise ValueError(f"bad fault {spec!r}: kind must be an HTTP status code, 'reset' or 'slow'")


def _parse_number(text: str, name: str, spec: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"bad fault {spec!r}: {name} must be a number, not {text!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"bad fault {spec!r}: {name} must be a finite number")
    return number


def _parse_options(parts: list[str], spec: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in parts:
        name, sep, value = part.partition("=")
        if not sep or not value:
            raise ValueError(f"bad fault {spec!r}: expected NAME=VALUE, got {part!r}")
        if name not in OPTIONS:
            raise ValueError(f"bad fault {spec!r}: unknown option {name!r}; use {OPTIONS}")
        if name in options:
            raise ValueError(f"bad fault {spec!r}: option {name!r} given twice")
        options[name] = value
    return options
