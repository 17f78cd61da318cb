"""What the SDK flow scripts share: a failed check, and reading their settings from the environment."""

import os
from typing import Any, NoReturn


class Failure(Exception):
    """A check that did not hold; the message says which and why."""


def fail(message: str) -> NoReturn:
    raise Failure(message)


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        fail(f"environment variable {name} is not set")
    return value


def check_equal(what: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        fail(f"{what}: expected {expected!r}, got {actual!r}")
