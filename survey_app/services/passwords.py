"""Staff passwords: argon2id hashes (argon2-cffi's defaults follow RFC 9106's low-memory profile).

Hashing takes a tenth of a second of CPU on purpose. It never runs on the event loop: the
async functions hand it to a small thread pool of its own (argon2 releases the GIL), so a burst
of logins queues there while the job seekers' form, health checks and the dispatcher go on.
The pool is half the machine's cores (at least one), leaving the rest to everything else.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_pool = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="argon2")

MIN_PASSWORD_LENGTH = 10


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_dummy_hash: str | None = None


async def dummy_hash() -> str:
    """Verifying against this when an e-mail is unknown makes a failed login take the same
    time whether or not the account exists."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await hash_password_async("not a password anybody has")
    return _dummy_hash


class _VerifyTiming:
    """How long a verification takes from the caller's side (queueing in the pool included),
    as an exponentially weighted mean; a refused login waits this long so that it cannot be
    told apart from a checked one by its answer time."""

    def __init__(self, weight: float = 0.2) -> None:
        self.weight = weight
        self.seconds: float | None = None

    def add(self, seconds: float) -> None:
        self.seconds = seconds if self.seconds is None else self.seconds + self.weight * (seconds - self.seconds)


_timing = _VerifyTiming()


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` fits ``password_hash``, computed off the event loop."""
    started = time.perf_counter()
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, _verify, password_hash, password)
    finally:
        _timing.add(time.perf_counter() - started)


async def wait_like_a_verification() -> None:
    """Take as long as :func:`verify_password` typically does, without using the CPU."""
    if _timing.seconds is None:
        await verify_password(await dummy_hash(), "")
        return
    await asyncio.sleep(_timing.seconds)
