"""A local stand-in for Whereby's meetings API, for tests, demo mode and manual trials."""

from roomdesk.emulator.clock import ManualClock, system_clock
from roomdesk.emulator.faults import FaultConfig
from roomdesk.emulator.server import (
    EmulatorServer,
    RecordedRequest,
    RequestOutcome,
    is_loopback_host,
)

__all__ = [
    "EmulatorServer",
    "FaultConfig",
    "ManualClock",
    "RecordedRequest",
    "RequestOutcome",
    "is_loopback_host",
    "system_clock",
]
