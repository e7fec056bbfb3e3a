"""The quickstart's training job: runs as a subprocess and logs through the SDK.

``python -m shipyard.quickstart.train --dataset credit --model credit`` inside a Shipyard job:
the scheduler supplies the control-plane URL, a scoped token, the project and the run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from shipyard import Client
from shipyard.quickstart.dataset import FEATURES, LABEL


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--version", default="latest")
    parser.add_argument("--model", required=True)
    parser.add_argument("--n-estimators", type=int, default=60)
    parser.add_argument("--max-depth", type=int, default=3)
    args = parser.parse_args()

    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    client = Client()
    run = client.active_run()
    version = client.dataset_version(args.dataset, args.version)
    run.use_dataset(version["id"])
    table = client.load_dataset(args.dataset, version["version"])
    x = np.column_stack([table.column(name).to_numpy() for name in FEATURES]).astype(np.float64)
    y = table.column(LABEL).to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)

    params = {"n_estimators": args.n_estimators, "max_depth": args.max_depth, "learning_rate": 0.1}
    run.log_params({**params, "dataset_version": version["id"], "rows": len(y)})
    started = time.perf_counter()
    model = GradientBoostingClassifier(random_state=0, **params).fit(x_train, y_train)
    run.log_metric("train_seconds", time.perf_counter() - started)

    predicted = model.predict(x_test)
    metrics = {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "f1": float(f1_score(y_test, predicted)),
        "roc_auc": float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])),
    }
    run.log_metrics(metrics)
    registered = client.log_model(
        model,
        args.model,
        feature_names=FEATURES,
        run_id=run.id,
        dataset_version_id=version["id"],
        metrics=metrics,
    )
    print(f"registered {args.model} v{registered['version']} with {metrics}")


if __name__ == "__main__":
    main()
