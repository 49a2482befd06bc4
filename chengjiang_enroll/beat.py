"""Celery beat, exactly once however many beat processes run: they share one lock in Redis.

Run ``celery beat`` on two machines for fail-over; the one holding the lock sends the schedule, the other
ticks idle until the lock is released (a clean stop) or expires (its holder died, ``LOCK_TTL`` seconds
after its last renewal), then takes it over. The holder renews the lock on every tick, and ticks at least
every ``RENEW_EVERY`` seconds. Without a Redis broker (the embedded default) there is one process and no lock.
"""

from __future__ import annotations

import logging
import socket
import uuid

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "chengjiang_enroll:beat:lock"
LOCK_TTL = 60
RENEW_EVERY = 15

# Take the lock if it is free, renew it if it is ours: one round trip, atomic in Redis.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder == false then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    return 1
elseif holder == ARGV[1] then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class BeatLock:
    """The lock itself, apart from the scheduler so that it can be tested without one."""

    def __init__(self, url: str, *, key: str = LOCK_KEY, ttl: int = LOCK_TTL) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.key = key
        self.ttl = ttl
        self.token = f"{socket.gethostname()}:{uuid.uuid4().hex}"

    def hold(self) -> bool:
        """Take or renew the lock; False while another beat holds it."""
        return bool(self.client.eval(_ACQUIRE, 1, self.key, self.token, self.ttl))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)


class SingleBeatScheduler(PersistentScheduler):
    """The default scheduler, sending only while it holds the beat lock."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        url = self.app.conf.broker_url or ""
        self.lock = BeatLock(url) if url.startswith(("redis://", "rediss://")) else None
        self.leading = self.lock is None

    def tick(self, *args: object, **kwargs: object) -> float:
        if self.lock is not None:
            holding = self.lock.hold()
            if holding != self.leading:
                logger.warning("beat %s the lock (%s)", "took" if holding else "lost", self.lock.token)
            self.leading = holding
            if not holding:
                return RENEW_EVERY
        return min(super().tick(*args, **kwargs), RENEW_EVERY)

    def close(self) -> None:
        if self.lock is not None and self.leading:
            self.lock.release()
        super().close()
