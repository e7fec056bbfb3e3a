"""Reading tabular files, describing them (schema, statistics) and writing canonical Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shipyard.errors import InvalidInput

FORMATS = ("csv", "parquet")


def detect_format(path: Path, declared: str | None = None) -> str:
    """Trust the Parquet magic bytes first, then a declared format, then the suffix."""
    with path.open("rb") as handle:
        if handle.read(4) == b"PAR1":
            return "parquet"
    if declared:
        if declared not in FORMATS:
            raise InvalidInput(f"unsupported format {declared!r}; use csv or parquet")
        return declared
    suffix = path.suffix.lower().lstrip(".")
    return "parquet" if suffix in ("parquet", "pq") else "csv"


def read_table(path: Path, fmt: str) -> pa.Table:
    try:
        table = pq.read_table(path) if fmt == "parquet" else pacsv.read_csv(path)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise InvalidInput(f"cannot read {fmt} data: {_first_line(exc)}") from None
    if table.num_columns == 0:
        raise InvalidInput("the file has no columns")
    names = table.column_names
    if len(set(names)) != len(names):
        raise InvalidInput(
            "duplicate column names: " + ", ".join(sorted({n for n in names if names.count(n) > 1}))
        )
    return table


def write_canonical_parquet(table: pa.Table, destination: Path) -> None:
    """Same table in, same bytes out, so identical data versions deduplicate by hash."""
    pq.write_table(
        table,
        destination,
        compression="zstd",
        use_dictionary=True,
        write_statistics=True,
        store_schema=True,
    )


def describe_schema(table: pa.Table) -> list[dict[str, Any]]:
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in table.schema]


def describe_stats(table: pa.Table) -> dict[str, dict[str, Any]]:
    """Per-column summary computed with Arrow kernels (no Python loop over rows)."""
    return {name: _column_stats(table.column(name)) for name in table.column_names}


def _column_stats(column: pa.ChunkedArray) -> dict[str, Any]:
    stats: dict[str, Any] = {"nulls": column.null_count}
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        minmax = pc.min_max(column).as_py()
        stats.update(
            kind="numeric",
            min=minmax["min"],
            max=minmax["max"],
            mean=pc.mean(column).as_py(),
            std=pc.stddev(column).as_py(),
        )
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_boolean(kind):
        counts = pc.value_counts(column).to_pylist()
        counts.sort(key=lambda item: -item["counts"])
        stats.update(
            kind="categorical",
            distinct=len(counts),
            top=[{"value": c["values"], "count": c["counts"]} for c in counts[:5]],
        )
    else:
        stats["kind"] = "other"
    return stats


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
