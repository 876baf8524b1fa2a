"""Whereby's point budget: each request costs points, the budget refills over a rolling window."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

# What the API documentation charges per method.
POINTS_PER_METHOD = {"GET": 1, "DELETE": 2, "POST": 3}


@dataclass(frozen=True)
class Charge:
    allowed: bool
    limit: int
    remaining: int
    wait_seconds: float  # until the request would be affordable; 0 when allowed


class PointBudget:
    """``points`` per rolling ``window_seconds``; a refused request costs nothing."""

    def __init__(self, points: int, window_seconds: float, now: Callable[[], float]) -> None:
        if points < 1:
            raise ValueError("the rate-limit budget must be at least 1 point")
        if window_seconds <= 0:
            raise ValueError("the rate-limit window must be longer than 0 seconds")
        self.points = points
        self.window_seconds = window_seconds
        self._now = now
        self._spent: deque[tuple[float, int]] = deque()  # (when, points), oldest first
        self._lock = threading.Lock()

    def charge(self, cost: int) -> Charge:
        with self._lock:
            now = self._now()
            while self._spent and self._spent[0][0] + self.window_seconds <= now:
                self._spent.popleft()
            used = sum(points for _, points in self._spent)
            if used + cost <= self.points:
                self._spent.append((now, cost))
                return Charge(True, self.points, self.points - used - cost, 0.0)
            return Charge(False, self.points, 0, self._wait_until_affordable(now, used, cost))

    def _wait_until_affordable(self, now: float, used: int, cost: int) -> float:
        if cost > self.points:
            return self.window_seconds  # never affordable; tell the client a whole window
        must_expire = used + cost - self.points
        expired = accumulate(points for _, points in self._spent)
        # The window's whole content exceeds must_expire, so next() always finds an entry.
        index = next(i for i, total in enumerate(expired) if total >= must_expire)
        return self._spent[index][0] + self.window_seconds - now

    def reset(self) -> None:
        with self._lock:
            self._spent.clear()
