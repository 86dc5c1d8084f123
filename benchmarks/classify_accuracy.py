"""Top-1 accuracy and speed of the asset classifier on the labelled set qinjian/assets/data/classify_eval.csv.

    python benchmarks/classify_accuracy.py                 # accuracy on dev and test, names/s
    python benchmarks/classify_accuracy.py --errors dev    # list the misclassified dev rows (tune on dev only)

Runs without a database: the classifier is built from the shipped CSV files (the same data the
standards migration loads; tests check both give the same classifier). Goal: top-1 accuracy ≥ 90 %.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from qinjian.assets.classify import Classifier  # noqa: E402

EVAL_FILE = BASE_DIR / "qinjian" / "assets" / "data" / "classify_eval.csv"
GOAL = 0.90


def load_rows() -> list[dict[str, str]]:
    with EVAL_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def accuracy(classifier: Classifier, rows: list[dict[str, str]]) -> tuple[float, list[tuple[dict[str, str], str]]]:
    wrong = []
    for row in rows:
        got = classifier.suggest(row["name"], row["model"], row["legacy_code"])
        if got.code != row["expected_code"]:
            wrong.append((row, got.code))
    return (1 - len(wrong) / len(rows)) if rows else 0.0, wrong


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", choices=["dev", "test", "all"], help="list the misclassified rows")
    args = parser.parse_args()

    started = time.perf_counter()
    classifier = Classifier.from_files()
    build_s = time.perf_counter() - started
    rows = load_rows()
    print(f"classifier built in {build_s * 1000:.0f} ms; {len(rows)} labelled names")
    for split in ("dev", "test"):
        part = [r for r in rows if r["split"] == split]
        acc, wrong = accuracy(classifier, part)
        mark = "ok" if acc >= GOAL else "BELOW GOAL"
        print(f"top-1 accuracy {split:4}: {acc:6.1%}  ({len(part) - len(wrong)}/{len(part)})  goal {GOAL:.0%} {mark}")
        if args.errors in (split, "all"):
            for row, got in wrong:
                name = classifier.classes.get(got, "—")
                want = classifier.classes.get(row["expected_code"], "?")
                print(f"    {row['name']} | {row['model']} | {row['legacy_code']}: "
                      f"got {got or '-'} {name}, want {row['expected_code']} {want}")
    acc_all, _ = accuracy(classifier, rows)
    print(f"top-1 accuracy all : {acc_all:6.1%}")

    names = [(r["name"], r["model"], r["legacy_code"]) for r in rows] * 20
    started = time.perf_counter()
    for name, model, legacy in names:
        classifier.suggest(name, model, legacy)
    elapsed = time.perf_counter() - started
    print(f"speed: {len(names) / elapsed:,.0f} names/s ({len(names)} names in {elapsed:.2f} s, one process)")


if __name__ == "__main__":
    main()
