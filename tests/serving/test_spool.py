from __future__ import annotations

import json

import numpy as np

from shipyard.serving import PredictionSpool, read_spool


def test_spool_writes_one_line_per_row_and_reads_back_columns(tmp_path):
    spool = PredictionSpool(tmp_path)
    spool.log("req_1", "iris", 3, ["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 1]))
    spool.log("req_2", "iris", 3, ["a", "b"], np.array([[5.0, 6.0]]), np.array([1]))
    spool.close()

    files = list(tmp_path.glob("predictions-*.jsonl"))
    assert len(files) == 1
    lines = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert len(lines) == 3
    first = lines[0]
    assert first["request_id"] == "req_1" and first["model"] == "iris" and first["version"] == 3
    assert first["inputs"] == {"a": 1.0, "b": 2.0} and first["outputs"] == {"prediction": 0}
    assert first["ts"].endswith("Z") and files[0].name == f"predictions-{first['ts'][:10]}.jsonl"

    data = read_spool(tmp_path)
    assert data.rows == 3
    np.testing.assert_array_equal(data.columns["a"], [1.0, 3.0, 5.0])
    np.testing.assert_array_equal(data.columns["b"], [2.0, 4.0, 6.0])


def test_read_spool_skips_torn_lines_and_filters_by_model(tmp_path):
    with PredictionSpool(tmp_path) as spool:
        spool.log("r", "iris", 1, ["a"], np.array([[1.0]]), np.array([0]))
        spool.log("r", "wine", 1, ["a"], np.array([[9.0]]), np.array([0]))
    path = next(tmp_path.glob("predictions-*.jsonl"))
    with path.open("a") as fh:
        fh.write('{"ts": "2024-01-01T00:00:00Z", "inpu')  # crash mid-write
    columns, rows = read_spool(tmp_path, model="iris")
    assert rows == 1
    np.testing.assert_array_equal(columns["a"], [1.0])
    assert read_spool(tmp_path).rows == 2


def test_empty_spool_reads_as_no_rows(tmp_path):
    assert read_spool(tmp_path) == ({}, 0)
