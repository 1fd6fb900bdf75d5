"""Fault injection: how the sandbox misbehaves on purpose, set from the CLI or at runtime."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FAULT_MODES = (
    "stall",  # answer as usual, but only after `seconds` (past any sane client timeout)
    "drop",  # close the connection without any answer
    "http500",  # HTTP 500 with an HTML body, as a proxy in front of the vendor would send
    "http502",
    "malformed",  # HTTP 200 whose body is not JSON
    "not_envelope",  # HTTP 200 with valid JSON that is not the {"code", "msg", ...} envelope
    "code",  # the envelope with a vendor code of our choosing
    "http429",  # HTTP 429 with Retry-After: 1
)

# Asked for as faults, but they are things the client does wrong, not things the vendor does.
CLIENT_CAUSED = {
    "expired": "a stale X-IotVideo-Timestamp (10007 :-2) is caused by the client's clock",
    "wrong_signature": "a wrong signature (10007 :-3) is caused by the client's key or AccessID",
}

DEFAULT_STALL_SECONDS = 30.0
DEFAULT_FAULT_CODE = 10500
DEFAULT_FAULT_MSG = "system busy, please try again later"

UNKNOWN_MODE = "unknown fault mode {mode!r}: choose from {choices}"
NOT_A_FAULT = "{mode!r} is not a fault the sandbox injects: {why}"


@dataclass(frozen=True)
class FaultPlan:
    """Which faults to inject, how often and how many times.

    `mode` is one mode or several joined by commas ("drop,http502"); several modes take turns.
    `rate` is the chance (0..1) that a request is faulted, drawn from a random.Random seeded with
    `seed`, so a run is repeatable. `count` ends the plan after that many faulted requests
    (None: never). `seconds` is the stall; `code` and `msg` are what the "code" mode answers.
    """

    mode: str
    seconds: float = DEFAULT_STALL_SECONDS
    count: int | None = None
    rate: float = 1.0
    code: int = DEFAULT_FAULT_CODE
    msg: str = DEFAULT_FAULT_MSG
    seed: int = 0

    def __post_init__(self) -> None:
        modes = _split_modes(self.mode)
        object.__setattr__(self, "mode", ",".join(modes))
        if not (isinstance(self.rate, int | float) and 0.0 <= self.rate <= 1.0):
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate!r}")
        if self.count is not None and (not isinstance(self.count, int) or self.count < 1):
            raise ValueError(f"fault count must be a positive whole number, got {self.count!r}")
        if not (isinstance(self.seconds, int | float) and math.isfinite(self.seconds)):
            raise ValueError(f"stall seconds must be a number, got {self.seconds!r}")
        if self.seconds < 0:
            raise ValueError(f"stall seconds must not be negative, got {self.seconds!r}")
        if isinstance(self.code, bool) or not isinstance(self.code, int):
            raise ValueError(f"fault code must be a whole number, got {self.code!r}")
        if not isinstance(self.msg, str):
            raise ValueError(f"fault msg must be a string, got {self.msg!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"fault seed must be a whole number, got {self.seed!r}")

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(self.mode.split(","))

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "seconds": self.seconds,
            "count": self.count,
            "rate": self.rate,
            "code": self.code,
            "msg": self.msg,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "FaultPlan | None":
        """The plan a `POST /_faults` body asks for; None when it asks to clear (`"mode": null`).

        Raises ValueError naming what is wrong.
        """
        if not isinstance(spec, Mapping):
            raise ValueError("the fault plan must be a JSON object")
        unknown = set(spec) - {"mode", "seconds", "count", "rate", "code", "msg", "seed"}
        if unknown:
            raise ValueError(f"unknown fault option(s): {', '.join(sorted(unknown))}")
        if "mode" not in spec:
            raise ValueError('the fault plan needs "mode" (null clears it)')
        mode = spec["mode"]
        if mode is None or mode == "" or mode == []:
            return None
        if isinstance(mode, list) and all(isinstance(m, str) for m in mode):
            mode = ",".join(mode)
        if not isinstance(mode, str):
            raise ValueError('"mode" must be a string, a list of strings or null')
        options = {name: spec[name] for name in spec if name != "mode"}
        return cls(mode=mode, **options)


def _split_modes(mode: str | Sequence[str]) -> tuple[str, ...]:
    parts = mode.split(",") if isinstance(mode, str) else list(mode)
    modes = tuple(part.strip() for part in parts if part.strip())
    if not modes:
        raise ValueError("a fault plan needs at least one mode")
    for name in modes:
        if name in CLIENT_CAUSED:
            raise ValueError(NOT_A_FAULT.format(mode=name, why=CLIENT_CAUSED[name]))
        if name not in FAULT_MODES:
            raise ValueError(UNKNOWN_MODE.format(mode=name, choices=", ".join(FAULT_MODES)))
    return modes


def parse_fault_spec(
    spec: str | None,
    *,
    rate: float = 1.0,
    count: int | None = None,
    seconds: float | None = None,
    seed: int = 0,
) -> FaultPlan | None:
    """The plan for a command-line spec such as "drop,http502" or "stall:5,code:10500".

    `stall:S` sets the stall seconds and `code:N` the envelope code; an explicit `seconds`
    argument wins over `stall:S`. None or "" or "none" means no faults. Raises ValueError.
    """
    if spec is None or spec.strip().lower() in ("", "none"):
        return None
    modes: list[str] = []
    stall_seconds = DEFAULT_STALL_SECONDS
    code = DEFAULT_FAULT_CODE
    for token in spec.split(","):
        name, _, argument = token.strip().partition(":")
        if not name:
            continue
        if argument:
            if name == "stall":
                stall_seconds = _number(argument, f"stall seconds in {token.strip()!r}")
            elif name == "code":
                code = int(_number(argument, f"code in {token.strip()!r}", whole=True))
            else:
                raise ValueError(f"fault mode {name!r} takes no argument (in {token.strip()!r})")
        modes.append(name)
    return FaultPlan(
        mode=",".join(modes),
        seconds=stall_seconds if seconds is None else seconds,
        count=count,
        rate=rate,
        code=code,
        seed=seed,
    )


def _number(text: str, what: str, *, whole: bool = False) -> float:
    try:
        return int(text) if whole else float(text)
    except ValueError:
        raise ValueError(f"{what} is not a number") from None
