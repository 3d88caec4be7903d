"""What a pilot run is told (the crowd's ``Mix``) and what each bot records of it.

Plain data, so that a load tool in another process can hand the records back (bench/).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mix:
    """Probabilities, per page, of what participants do besides answering each page once."""

    reload: float = 0.0  # load the page again before answering it
    double_send: float = 0.0  # post the answer twice at the same moment (double click)
    back_repost: float = 0.0  # after an answer, post the page just left once more (back button)


@dataclass(frozen=True)
class Request:
    label: str  # "GET trials", "POST consent", "POST trials (double)", ...
    status: int
    seconds: float


@dataclass
class BotResult:
    index: int
    pid: str
    completed: bool = False
    completion_code: str = ""
    # The study's completion URL the server sent the bot to, instead of a code page.
    redirected_to: str = ""
    error: str = ""
    trials_answered: int = 0
    latencies_s: list[float] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    # Answers the server acknowledged with a redirect: (position, the posted fields).
    acknowledged: list[tuple[int, dict[str, str]]] = field(default_factory=list)
