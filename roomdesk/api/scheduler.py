"""One queue per Whereby account that spends the rate-limit budget without running into 429s.

Whereby charges every request points (GET 1, DELETE 2, POST 3) against a budget per rolling
minute that all keys and clients of an organisation share. Before sending, the client awaits
:meth:`RateLimitScheduler.acquire` for the request's points; the scheduler keeps its own ledger of
the points spent in the window and admits a request only when its points fit, first come first
served. Batches therefore queue here instead of hammering the server into 429s.

How it learns and corrects itself:

* Cold start: until the first answer arrives only one request is in flight (a *probe*), because
  the budget is shared and we know neither the plan (100 or 1000 points) nor what other clients
  already spent. That costs one round trip, once; afterwards the server's ``X-RateLimit-Limit``
  is the budget. If the server never says, the budget stays at 100, Whereby's smallest plan.
* ``X-RateLimit-Remaining`` lower than our own estimate means someone else spent points: the
  difference is booked as spent now, so we slow down rather than overrun. A higher figure is not
  believed, since our own requests in flight may not have reached the server's ledger yet.
* Points are booked when the answer arrives, which is never earlier than the server booked them,
  so they leave our window no earlier than the server's. A small reserve of the budget
  (2 %, at least one point) and of the window (1 %) covers clocks and rounding.
* A 429 pauses the whole queue for the wait the server asked for. After a pause one probe goes
  first and the rest follow its answer, so a wrong ledger costs one 429, not a burst of them.

Asyncio only, one event loop at a time; not thread-safe. Waiting uses the injected ``sleep`` and
trusts only ``clock``: timers may fire early (Qt's coarse timers by up to 5 %), and a wake before
the deadline just sleeps the rest. For a fake sleep in tests, :class:`SimulatedTime` supplies a
clock that moves by sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

log = logging.getLogger("roomdesk.api.scheduler")

# Whereby's smallest plan (Build); the budget assumed until the server states its own.
ASSUMED_BUDGET = 100
DEFAULT_WINDOW_SECONDS = 60.0
# Fraction of the budget never planned for (at least one point): room for rounding and races.
SAFETY_FRACTION = 0.02
# Fraction of the window added before our spends expire (at least 10 ms): 150 ms a minute. Our
# spends are booked when the answer arrives, after the server booked them, so the margin only
# covers the server's rounding; each window it adds is time a batch waits for nothing.
EXPIRY_MARGIN_FRACTION = 0.0025
# The longest one 429 may hold the queue, in windows: a longer wait cannot be about a rolling
# window, and after it a single probe asks again (and pauses again if still refused).
MAX_PAUSE_WINDOWS = 2

Listener = Callable[["SchedulerState"], None]


@dataclass(frozen=True)
class SchedulerState:
    """A snapshot for the UI. ``paused_until`` is on the scheduler's clock (``time.monotonic``)."""

    budget: int
    budget_learned: bool  # False while the budget is still the assumed smallest plan
    queued: int
    paused_until: float | None
    resume_in: float  # seconds until the pause ends; 0 when not paused

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    def describe(self) -> str:
        """A status-bar line, or "" when nothing is held back."""
        waiting = f"{self.queued} request{'s' if self.queued != 1 else ''} waiting"
        if self.paused:
            return f"Rate limited — resuming in {math.ceil(self.resume_in)} s, {waiting}"
        if self.queued:
            return f"{waiting} for the rate limit"
        return ""


class _Outcome(Enum):
    SETTLED = "settled"
    REFUNDED = "refunded"
    THROTTLED = "throttled"


class SimulatedTime:
    """A clock that moves only by sleeping, around a ``sleep`` that may return at once (tests).

    It can only fall behind real time, so a scheduler on it may wait longer than needed but never
    admits a request early. Overlapping sleeps do not add up.
    """

    def __init__(self, sleep: Callable[[float], Awaitable[None]], start: float = 0.0) -> None:
        self._sleep = sleep
        self.now = start

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake_at = self.now + seconds
        await self._sleep(seconds)
        self.now = max(self.now, wake_at)


class Permit:
    """The points granted to one request. Close it once: :meth:`settle`, :meth:`refund` or
    :meth:`throttled`; later calls do nothing, so a ``finally: permit.settle()`` is a safe net."""

    __slots__ = ("_open", "_scheduler", "cost", "throttle_wait", "ticket")

    def __init__(self, scheduler: RateLimitScheduler, cost: int, ticket: int) -> None:
        self._scheduler = scheduler
        self._open = True
        self.cost = cost
        self.ticket = ticket  # place in the queue; a retry keeps it
        self.throttle_wait: float | None = None  # what the server asked, set by throttled()

    @property
    def closed(self) -> bool:
        return not self._open

    def settle(self) -> None:
        """The request reached the server (or may have): its points count for a window from now."""
        self._scheduler._close(self, _Outcome.SETTLED)

    def refund(self) -> None:
        """The request certainly never reached the server, so it cost nothing."""
        self._scheduler._close(self, _Outcome.REFUNDED)

    def throttled(self, wait_seconds: float) -> None:
        """The server answered 429 (not charged) and asked for ``wait_seconds``: pause the queue."""
        self._scheduler._close(self, _Outcome.THROTTLED, wait_seconds)

    def __repr__(self) -> str:
        state = "open" if self._open else "closed"
        return f"Permit(cost={self.cost}, ticket={self.ticket}, {state})"


class _Waiter:
    __slots__ = ("cost", "ticket", "wake")

    def __init__(self, ticket: int, cost: int) -> None:
        self.ticket = ticket
        self.cost = cost
        self.wake: asyncio.Future[None] | None = None


class RateLimitScheduler:
    """Admits requests first come first served while their points fit the account's budget.

    ``budget`` is the starting assumption (replaced by ``X-RateLimit-Limit``); ``probe_first``
    sends a single request before any other until the first answer; ``window_seconds`` is the
    rolling window (60 s at Whereby; shorter in tests).
    """

    def __init__(
        self,
        *,
        budget: int = ASSUMED_BUDGET,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        probe_first: bool = True,
        safety_fraction: float = SAFETY_FRACTION,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Listener | None = None,
    ) -> None:
        if budget < 1:
            raise ValueError("the budget must be at least 1 point")
        if window_seconds <= 0:
            raise ValueError("the window must be longer than 0 seconds")
        if not 0 <= safety_fraction < 1:
            raise ValueError("safety_fraction must be in [0, 1)")
        self._enabled = True
        self._budget = budget
        self._budget_learned = False
        self.window_seconds = window_seconds
        self._expiry_margin = max(0.01, window_seconds * EXPIRY_MARGIN_FRACTION)
        self._safety_fraction = safety_fraction
        self._clock = clock
        self._sleep = sleep
        # Settled spends as (when, points), oldest first; "when" never decreases.
        self._spent: deque[tuple[float, int]] = deque()
        self._spent_points = 0
        self._in_flight_points = 0
        self._queue: list[_Waiter] = []  # ordered by ticket
        self._tickets = itertools.count()
        self._paused_until: float | None = None
        self._probe: Permit | None = None
        self._probe_next = probe_first
        self._listeners: list[Listener] = [on_change] if on_change is not None else []
        self._last_notified: tuple[object, ...] | None = None

    @classmethod
    def simulated(cls, sleep: Callable[[float], Awaitable[None]]) -> RateLimitScheduler:
        """A scheduler on :class:`SimulatedTime` around ``sleep`` (a fake that returns at once)."""
        simulated_time = SimulatedTime(sleep)
        return cls(clock=simulated_time.clock, sleep=simulated_time.sleep)

    @classmethod
    def disabled(
        cls, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> RateLimitScheduler:
        """A scheduler that admits everything at once: the naive client, for comparison.

        A request that got a 429 still waits what the server asked before its own retry, as a
        client without a scheduler would; nothing else is held back.
        """
        scheduler = cls(probe_first=False, sleep=sleep)
        scheduler._enabled = False
        return scheduler

    def __repr__(self) -> str:
        mode = "" if self._enabled else ", disabled"
        return f"RateLimitScheduler(budget={self._budget}, queued={self.queued}{mode})"

    # -- state for the UI ------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def budget(self) -> int:
        """Points per window: the server's ``X-RateLimit-Limit``, or the assumption until then."""
        return self._budget

    @property
    def budget_learned(self) -> bool:
        return self._budget_learned

    @property
    def queued(self) -> int:
        """Requests waiting for their points."""
        return len(self._queue)

    @property
    def paused_until(self) -> float | None:
        """When a 429 pause ends, on :meth:`now`'s clock; None when not paused."""
        until = self._paused_until
        return until if until is not None and self.now() < until else None

    @property
    def resume_in(self) -> float:
        """Seconds left of the pause; 0 when not paused."""
        until = self.paused_until
        return 0.0 if until is None else until - self.now()

    @property
    def available(self) -> int:
        """Points we would spend right now without waiting (0 while paused)."""
        if self.paused_until is not None:
            return 0
        self._expire(self.now())
        return max(0, self._usable_budget() - self._used())

    @property
    def state(self) -> SchedulerState:
        paused_until = self.paused_until
        return SchedulerState(
            budget=self._budget,
            budget_learned=self._budget_learned,
            queued=len(self._queue),
            paused_until=paused_until,
            resume_in=0.0 if paused_until is None else max(0.0, paused_until - self.now()),
        )

    def now(self) -> float:
        return self._clock()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(state)`` when the queue length, the pause or the budget changes."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # -- admission -------------------------------------------------------------------------------

    async def acquire(self, cost: int, *, retry_of: Permit | None = None) -> Permit:
        """Wait until ``cost`` points may be spent; then they are booked as in flight.

        ``retry_of`` is the permit of the previous attempt of the same call: the retry keeps its
        place in the line instead of joining the back. Cancelling a waiting acquire leaves no
        trace. The permit must be closed (settle, refund or throttled), or the points stay
        booked as in flight and the queue eventually stalls.
        """
        if cost < 1:
            raise ValueError("a request costs at least 1 point")
        ticket = retry_of.ticket if retry_of is not None else next(self._tickets)
        if not self._enabled:
            if retry_of is not None and retry_of.throttle_wait:
                await self._sleep(retry_of.throttle_wait)
            return Permit(self, cost, ticket)
        waiter = _Waiter(ticket, cost)
        self._refresh()
        if not self._queue and self._admissible(cost):
            return self._admit(waiter)
        bisect.insort(self._queue, waiter, key=lambda queued: queued.ticket)
        if self._queue[0] is waiter and len(self._queue) > 1:
            self._wake(self._queue[1])  # the head it displaced drops its timed wait
        self._notify()
        try:
            while True:
                now = self._refresh()
                deadline: float | None = None
                if self._queue[0] is waiter:
                    if self._admissible(cost):
                        self._queue.pop(0)
                        permit = self._admit(waiter)
                        if self._queue:
                            self._wake(self._queue[0])  # the next may fit as well
                        self._notify()
                        return permit
                    deadline = self._admission_deadline(cost, now)
                await self._wait(waiter, deadline)
        except BaseException:
            self._withdraw(waiter)
            raise

    def observe(self, *, limit: int | None = None, remaining: int | None = None) -> None:
        """Take in the server's ``X-RateLimit-Limit`` and ``-Remaining`` from an answer.

        Pass ``remaining`` only from answers that were charged (not from a 429).
        """
        if limit is not None and limit >= 1 and (limit != self._budget or not self._budget_learned):
            if limit != self._budget:
                log.info("rate-limit budget is %d points per window", limit)
            self._budget = limit
            self._budget_learned = True
        if remaining is not None and self._enabled:
            now = self._refresh()
            believed = self._budget - self._used()
            unseen = believed - max(0, remaining)
            if unseen > 0:
                # Spent by other clients of the organisation: book it as spent now (the real
                # spends are older, so this frees them no earlier than the server does).
                self._spent.append((now, unseen))
                self._spent_points += unseen
        self._wake_head()
        self._notify()

    # -- internals -------------------------------------------------------------------------------

    def _used(self) -> int:
        return self._spent_points + self._in_flight_points

    def _usable_budget(self) -> int:
        if self._safety_fraction == 0:
            return self._budget
        return self._budget - max(1, math.ceil(self._budget * self._safety_fraction))

    def _expires_at(self, spent_at: float) -> float:
        return spent_at + self.window_seconds + self._expiry_margin

    def _expire(self, now: float) -> None:
        while self._spent and self._expires_at(self._spent[0][0]) <= now:
            _, points = self._spent.popleft()
            self._spent_points -= points

    def _refresh(self) -> float:
        now = self.now()
        self._expire(now)
        if self._paused_until is not None and now >= self._paused_until:
            self._paused_until = None
            log.info("rate-limit pause over; %d requests waiting", len(self._queue))
        return now

    def _admissible(self, cost: int) -> bool:
        if self._paused_until is not None or self._probe is not None:
            return False
        used = self._used()
        # An empty window admits anything, so a request dearer than the budget is not stuck.
        return used == 0 or used + cost <= self._usable_budget()

    def _admission_deadline(self, cost: int, now: float) -> float | None:
        """When the head could go by the clock alone; None when it must wait for an answer."""
        if self._paused_until is not None:
            return self._paused_until
        if self._probe is not None:
            return None
        used = self._used()
        must_free = min(used, used + cost - self._usable_budget())
        freed = 0
        for spent_at, points in self._spent:
            freed += points
            if freed >= must_free:
                return self._expires_at(spent_at)
        return None  # only requests in flight can free enough; their answers wake the head

    def _admit(self, waiter: _Waiter) -> Permit:
        permit = Permit(self, waiter.cost, waiter.ticket)
        self._in_flight_points += waiter.cost
        if self._probe_next:
            self._probe = permit
            self._probe_next = False
        return permit

    def _close(self, permit: Permit, outcome: _Outcome, wait_seconds: float = 0.0) -> None:
        if not permit._open:
            return
        permit._open = False
        now = self.now()
        if outcome is _Outcome.THROTTLED:
            # A server's wait may be anything (negative, NaN, 1e308): no pause is longer than
            # MAX_PAUSE_WINDOWS, and the retry's own wait (when disabled) is bounded the same.
            longest = MAX_PAUSE_WINDOWS * self.window_seconds
            wait_seconds = min(wait_seconds, longest) if wait_seconds > 0 else 0.0
            permit.throttle_wait = wait_seconds
        if not self._enabled:
            return
        self._in_flight_points -= permit.cost
        if outcome is _Outcome.SETTLED:
            self._spent.append((now, permit.cost))
            self._spent_points += permit.cost
        if self._probe is permit:
            self._probe = None
            # Nothing learned from a probe that was refused or never sent: the next one probes.
            self._probe_next = outcome is not _Outcome.SETTLED
        if outcome is _Outcome.THROTTLED:
            resume_at = now + wait_seconds
            if self._paused_until is None:
                log.info("rate limited: holding every request for %.1f s", wait_seconds)
            if self._paused_until is None or resume_at > self._paused_until:
                self._paused_until = resume_at
            self._probe_next = True
        self._wake_head()
        self._notify()

    def _withdraw(self, waiter: _Waiter) -> None:
        if waiter not in self._queue:
            return
        was_head = self._queue[0] is waiter
        self._queue.remove(waiter)
        if was_head:
            self._wake_head()
        self._notify()

    def _wake_head(self) -> None:
        if self._queue:
            self._wake(self._queue[0])

    @staticmethod
    def _wake(waiter: _Waiter) -> None:
        if waiter.wake is not None and not waiter.wake.done():
            waiter.wake.set_result(None)

    async def _wait(self, waiter: _Waiter, deadline: float | None) -> None:
        """Until woken, or about until ``deadline`` when given (the caller checks the clock)."""
        waiter.wake = asyncio.get_running_loop().create_future()
        if deadline is None:
            await waiter.wake
            return
        sleeper = asyncio.ensure_future(self._sleep(max(0.0, deadline - self.now())))
        try:
            await asyncio.wait((sleeper, waiter.wake), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not sleeper.done():
                sleeper.cancel()
        if sleeper.done() and not sleeper.cancelled():
            sleeper.result()  # a failing sleep is a bug worth seeing

    def _notify(self) -> None:
        state = self.state
        key = (state.budget, state.budget_learned, state.queued, state.paused_until)
        if key == self._last_notified:
            return
        self._last_notified = key
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:
                # A broken status display must not stall the requests.
                log.exception("rate-limit listener failed")


__all__ = [
    "ASSUMED_BUDGET",
    "Permit",
    "RateLimitScheduler",
    "SchedulerState",
    "SimulatedTime",
]
