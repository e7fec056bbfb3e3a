"""Blob store throughput: put and verified read, one big file and many small ones.

Run: ``python benchmarks/bench_blobs.py [--big-mib 256] [--small-count 2000]``.
Numbers include fsync, so they reflect durable writes on the temp dir's filesystem.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shipyard.blobs import hash_file, open_blob_store


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big-mib", type=int, default=256)
    parser.add_argument("--small-count", type=int, default=2000)
    parser.add_argument("--small-kib", type=int, default=4)
    args = parser.parse_args()

    console = Console()
    table = Table(title="shipyard.blobs (local backend, BLAKE3)")
    for col in ("case", "bytes", "seconds", "MB/s", "files/s"):
        table.add_column(col, justify="right" if col != "case" else "left")

    def row(case: str, nbytes: int, seconds: float, files: int) -> None:
        table.add_row(
            case,
            f"{nbytes / 1e6:,.1f} MB",
            f"{seconds:.3f}",
            f"{nbytes / 1e6 / seconds:,.0f}",
            f"{files / seconds:,.0f}",
        )

    with tempfile.TemporaryDirectory(prefix="bench-blobs-") as tmp:
        root = Path(tmp)
        store = open_blob_store(root / "store")

        big = root / "big.bin"
        big_bytes = args.big_mib << 20
        with open(big, "wb") as fh:
            block = os.urandom(1 << 20)
            for i in range(args.big_mib):  # Vary blocks cheaply so nothing dedups.
                fh.write(i.to_bytes(8, "little") + block[8:])
        row("hash_file (mmap, threads)", big_bytes, timed(lambda: hash_file(big)), 1)
        digest = ""

        def put_big() -> None:
            nonlocal digest
            with open(big, "rb") as src:
                digest = store.put_stream(src)

        row("put_stream 1 big file", big_bytes, timed(put_big), 1)
        row("put_file (dedup hit)", big_bytes, timed(lambda: store.put_file(big)), 1)
        row("verified read (iter_chunks)", big_bytes, timed(lambda: store.verify(digest)), 1)
        row("copy_to (verified, fsync)", big_bytes, timed(lambda: store.copy_to(digest, root / "out.bin")), 1)

        small_size = args.small_kib << 10
        payloads = [i.to_bytes(8, "little") + os.urandom(small_size - 8) for i in range(args.small_count)]
        digests: list[str] = []
        small_total = small_size * len(payloads)
        row(
            f"put_bytes {args.small_count} x {args.small_kib} KiB",
            small_total,
            timed(lambda: digests.extend(store.put_bytes(p) for p in payloads)),
            len(payloads),
        )
        row(
            f"read_bytes {args.small_count} x {args.small_kib} KiB",
            small_total,
            timed(lambda: [store.read_bytes(d) for d in digests]),
            len(payloads),
        )

    console.print(table)
    if importlib.util.find_spec("dvc") is not None:
        console.print("peer dvc is installed; compare with `dvc add` on the same files by hand.")
    else:
        console.print("peer dvc not installed")


if __name__ == "__main__":
    main()
