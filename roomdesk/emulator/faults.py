"""Injected misbehaviour: slow answers, server errors, dropped and truncated responses."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum

SERVER_ERROR_STATUSES = (500, 502, 503)


class FaultAction(StrEnum):
    ANSWER = "answer"  # the normal answer
    DROP = "drop"  # close the connection without a response
    SERVER_ERROR = "server-error"  # a random 5xx instead of the answer
    FORCED_STATUS = "forced-status"  # FaultConfig.force_status instead of the answer


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request, decided when it arrives."""

    delay: float = 0.0
    action: FaultAction = FaultAction.ANSWER
    status: int | None = None  # for SERVER_ERROR and FORCED_STATUS
    truncate: bool = False  # send only part of whatever body the answer has


NO_FAULTS = FaultPlan()


@dataclass
class FaultConfig:
    """Mutable at runtime; each request takes its decisions from the values current on arrival.

    Rates are fractions in [0, 1]. A dropped request, a forced status and a server error never
    reach the API (nothing is created or deleted); a truncated answer is cut after the work was
    done, like an answer lost on the way back. With ``seed`` set, the same sequence of requests
    meets the same sequence of faults (changing ``seed`` restarts the sequence).
    """

    latency: float = 0.0
    latency_jitter: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    force_status: int | None = None
    # Retry-After for a forced 429; short so clients under test do not wait long.
    forced_retry_after: int = 1
    seed: int | None = None
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    _rng: random.Random | None = field(default=None, init=False, repr=False, compare=False)
    _rng_seed: int | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ValueError naming the first setting that is out of range."""
        for name in ("error_rate", "drop_rate", "truncate_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        for name in ("latency", "latency_jitter"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.force_status is not None and not 100 <= self.force_status <= 599:
            raise ValueError(f"force_status {self.force_status} is not an HTTP status")

    def plan(self) -> FaultPlan:
        """Draw the faults for one request."""
        with self._lock:
            if self._rng is None or self._rng_seed != self.seed:
                self._rng = random.Random(self.seed)
                self._rng_seed = self.seed
            rng = self._rng
            # Always draw the same number of values so one rate does not shift the others' sequence.
            jitter, drop, error, truncate, pick = (rng.random() for _ in range(5))
        delay = self.latency + jitter * self.latency_jitter
        if drop < self.drop_rate:
            return FaultPlan(delay=delay, action=FaultAction.DROP)
        cut = truncate < self.truncate_rate
        if self.force_status is not None:
            return FaultPlan(delay, FaultAction.FORCED_STATUS, self.force_status, cut)
        if error < self.error_rate:
            status = SERVER_ERROR_STATUSES[int(pick * len(SERVER_ERROR_STATUSES))]
            return FaultPlan(delay, FaultAction.SERVER_ERROR, status, cut)
        return FaultPlan(delay=delay, truncate=cut)
