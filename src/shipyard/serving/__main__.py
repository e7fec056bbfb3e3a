"""``python -m shipyard.serving``: the entry point the control plane launches per deployment."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shipyard.errors import ShipyardError
from shipyard.serving.process import TOKEN_ENV, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shipyard.serving",
        description=f"Serve one verified model directory over HTTP. The bearer token, if any, "
        f"is read from ${TOKEN_ENV}.",
    )
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--spool-dir", type=Path, default=None)
    parser.add_argument("--max-batch-size", type=int, default=64)
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--max-queue", type=int, default=1024)
    parser.add_argument("--max-body-bytes", type=int, default=None)
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        serve(
            args.model_dir,
            args.host,
            args.port,
            args.spool_dir,
            os.environ.get(TOKEN_ENV) or None,
            max_batch_size=args.max_batch_size,
            max_wait_ms=args.max_wait_ms,
            max_queue=args.max_queue,
            max_body_bytes=args.max_body_bytes,
            log_level=args.log_level,
        )
    except ShipyardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
