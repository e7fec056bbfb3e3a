"""Blob store throughput: put and verified read, one big file and many small ones.

Run: ``python benchmarks/bench_blobs.py [--big-mib 256] [--small-count 2000] [--peer-python PY]``;
with ``--peer-python`` naming an interpreter that has ``dvc``, the same new content is also
versioned with ``dvc add`` and the ratio printed.
Numbers include fsync, so they reflect durable writes on the temp dir's filesystem.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shipyard.blobs import hash_file, open_blob_store

REPEATS = 3


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def absolute(path: str) -> str:
    """Absolute but not resolved: resolving would follow the venv's python symlink out of it."""
    return os.path.abspath(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big-mib", type=int, default=256)
    parser.add_argument("--small-count", type=int, default=2000)
    parser.add_argument("--small-kib", type=int, default=4)
    parser.add_argument(
        "--peer-python", type=absolute, default=None, help="An interpreter with dvc installed."
    )
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
        if args.peer_python:
            side_by_side(console, root, big, payloads, args.peer_python)

    if not args.peer_python:
        console.print("peer dvc not given (--peer-python); DVC side skipped")


DVC_SCRIPT = """
import json, sys, time
from pathlib import Path
from dvc.repo import Repo
workdir, target = Path(sys.argv[1]), sys.argv[2]
repo = Repo.init(str(workdir), no_scm=True, force=True)
started = time.perf_counter()
repo.add(str(workdir / target))
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def side_by_side(console: Console, root: Path, big: Path, payloads: list[bytes], python: str) -> None:
    """Version the same new content with shipyard and with DVC's Python API (`dvc add`)."""
    folder = root / "many"
    folder.mkdir()
    for index, payload in enumerate(payloads):
        (folder / f"{index:05d}.bin").write_bytes(payload)
    ours_big, ours_tree, theirs_big, theirs_tree = [], [], [], []
    for attempt in range(REPEATS):  # the disk's fsync latency is noisy: report medians
        fresh = open_blob_store(root / f"fresh-store-{attempt}")
        ours_big.append(timed(partial(fresh.put_file, big)))
        ours_tree.append(timed(partial(fresh.put_tree, folder)))
        theirs_big.append(_dvc_add(python, root / f"dvc-big-{attempt}", big))
        theirs_tree.append(_dvc_add(python, root / f"dvc-many-{attempt}", folder))
    table = Table(title=f"Versioning new content, median of {REPEATS}: shipyard vs `dvc add`")
    for column in ("work", "shipyard s", "dvc s", "ratio"):
        table.add_column(column, justify="right" if column != "work" else "left")
    for work, ours, theirs in (
        (f"one {big.stat().st_size >> 20} MiB file", ours_big, theirs_big),
        (f"folder of {len(payloads)} small files", ours_tree, theirs_tree),
    ):
        mine, peer = statistics.median(ours), statistics.median(theirs)
        table.add_row(work, f"{mine:.3f}", f"{peer:.3f}", f"{peer / mine:.2f}x")
    console.print(table)
    console.print("ratio = dvc seconds / shipyard seconds. Shipyard fsyncs every object and its folder;")
    console.print("DVC does not fsync the objects it adds (strace: its fdatasync calls are index writes).")


def _dvc_add(python: str, workdir: Path, source: Path) -> float:
    workdir.mkdir()
    target = workdir / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)
    out = subprocess.run(
        [python, "-c", DVC_SCRIPT, str(workdir), source.name], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


if __name__ == "__main__":
    main()
