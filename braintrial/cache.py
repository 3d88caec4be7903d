"""A Redis cache that degrades to no cache while Redis is unreachable.

What the project caches is only ever a shortcut: the dashboard's report (recomputed from the
database on a miss) and the API throttles' request counts (login guessing stays throttled by
django-axes, whose counts live in the database). So with Redis down a read misses and a write
is dropped, with one warning per minute in the log, instead of a 500 on every researcher page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_S = 60.0
T = TypeVar("T")
_last_warning = [0.0]


def _warn(exc: BaseException) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY_S:
        _last_warning[0] = now
        logger.warning("Cache unavailable, working without it: %s", exc)


def _degrading(fallback: Callable[..., T]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Call the method; while Redis is unreachable return ``fallback(*args, **kwargs)``."""

    def decorate(method: Callable[..., T]) -> Callable[..., T]:
        @wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                _warn(exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _default(key: str, default: Any = None, version: int | None = None) -> Any:
    return default


def _empty(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


def _no_keys_failed(data: dict[str, Any], *args: Any, **kwargs: Any) -> list[str]:
    # set_many reports the keys it failed to store; with no cache, none of them is stored.
    return list(data)


class ResilientRedisCache(RedisCache):
    get = _degrading(_default)(RedisCache.get)
    set = _degrading(_nothing)(RedisCache.set)
    add = _degrading(_false)(RedisCache.add)
    touch = _degrading(_false)(RedisCache.touch)
    delete = _degrading(_false)(RedisCache.delete)
    get_many = _degrading(_empty)(RedisCache.get_many)
    set_many = _degrading(_no_keys_failed)(RedisCache.set_many)
    delete_many = _degrading(_nothing)(RedisCache.delete_many)
    has_key = _degrading(_false)(RedisCache.has_key)
    clear = _degrading(_nothing)(RedisCache.clear)
