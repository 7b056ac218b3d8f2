"""Fixed-window counters in the cache, for the public forms that anyone can post to.

The cache is Redis in production, so every process counts against the same figures. A form
names its counters (a cache key, the words that say where the limit applies, the most it
allows); `refusal` says whether one is spent, `count` adds one to each. Each window lasts
the form's "minutes" from its first count, and remembers when it ends so the refusal can
say when to try again. Limits come from one setting per form (VOTING_CODE_LIMITS,
APPLICATION_LIMITS); a setting of False turns that form's limits off.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


@dataclass(frozen=True)
class Counter:
    key: str
    where: str  # "from this address", "for this society"
    limit: int


@dataclass(frozen=True)
class Refusal:
    where: str
    minutes: int
    until: datetime  # when the window that refused ends

    @property
    def retry_after(self) -> int:
        """Seconds until the window ends, for the Retry-After header."""
        return max(1, int((self.until - timezone.now()).total_seconds()) + 1)


def limits(setting: str) -> dict | None:
    """The limits for one form (config/settings.py), or None when turned off."""
    return getattr(settings, setting, None) or None


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def hashed(value: str) -> str:
    """A short fixed-length key part for a typed value (an email address), never stored raw."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def refusal(counters: list[Counter], minutes: int) -> Refusal | None:
    """The first counter that has reached its limit in the current window, if any."""
    for counter in counters:
        if (cache.get(counter.key) or 0) >= counter.limit:
            ends = cache.get(f"{counter.key}:until") or _window_end(minutes * 60)
            return Refusal(where=counter.where, minutes=minutes,
                           until=datetime.fromtimestamp(ends, tz=timezone.get_current_timezone()))
    return None


def count(counters: list[Counter], minutes: int) -> None:
    """One more against every counter; a counter's window starts with its first count."""
    timeout = minutes * 60
    for counter in counters:
        if cache.add(counter.key, 0, timeout):
            cache.set(f"{counter.key}:until", _window_end(timeout), timeout)
        try:
            cache.incr(counter.key)
        except ValueError:  # expired between the two calls
            cache.set(counter.key, 1, timeout)
            cache.set(f"{counter.key}:until", _window_end(timeout), timeout)


def _window_end(seconds: int) -> float:
    return timezone.now().timestamp() + seconds
