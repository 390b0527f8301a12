"""A seeded stream of realistic v1 support events (and a few broken ones), and a paced producer.

    sim = Simulator(SimulatorConfig.demo(), start=datetime.now(UTC))
    for at, key, value in sim.events(): ...          # pure, endless, event-time order
    await produce(bootstrap, "supportwatch.events", sim, duration=60, now=wall_clock)
"""

from supportwatch.simulator._config import CHANNEL_TARGETS, DEFAULT_MIX, TEAMS, ReplyTarget, SimulatorConfig
from supportwatch.simulator._produce import pace, produce
from supportwatch.simulator._stream import SimRecord, Simulator
from supportwatch.simulator.exceptions import SimulatorConfigError

__all__ = [
    "CHANNEL_TARGETS",
    "DEFAULT_MIX",
    "TEAMS",
    "ReplyTarget",
    "SimRecord",
    "Simulator",
    "SimulatorConfig",
    "SimulatorConfigError",
    "pace",
    "produce",
]
