"""Per-client rate limiting: a token bucket per client address, in the server's memory.

Each address may send ``burst`` requests at once, then ``per_minute`` a minute. A refused
request gets 429 with ``Retry-After``. The buckets are per process: behind a load
balancer with several servers, limit at the balancer as well (docs/API.md).
"""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """``allow(client)`` -> ``(allowed, seconds to wait)``; ``per_minute = 0`` turns limiting off."""

    def __init__(self, per_minute: int, burst: int, max_clients: int = 100_000):
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def allow(self, client: str, now: float | None = None) -> tuple[bool, int]:
        if not self.enabled:
            return True, 0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                allowed, wait = True, 0
            else:
                self._buckets[client] = (tokens, now)
                allowed, wait = False, max(1, math.ceil((1.0 - tokens) / self.rate))
            if len(self._buckets) > self.max_clients:  # forget the fullest buckets first: they are idle
                for key in sorted(self._buckets, key=lambda k: -self._buckets[k][0])[: self.max_clients // 10]:
                    del self._buckets[key]
            return allowed, wait
