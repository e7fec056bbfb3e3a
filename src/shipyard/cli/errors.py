"""Turn every user-facing failure into one line on stderr and a non-zero exit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])
stderr = Console(stderr=True)


def one_line_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from shipyard.errors import ShipyardError

        try:
            return func(*args, **kwargs)
        except ShipyardError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            stderr.print(f"[red]error:[/red] {first}", highlight=False, soft_wrap=True)
            sys.exit(1)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem.get("loc", ())) or "settings"
            stderr.print(f"[red]error:[/red] invalid setting {where}: {problem.get('msg')}", soft_wrap=True)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
