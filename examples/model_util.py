"""Logistic regression helpers shared by train.py and evaluate.py."""

import csv
import math


def load(path):
    with open(path) as f:
        return [(float(r["x"]), float(r["y"]), int(r["label"])) for r in csv.DictReader(f)]


def predict(w, x, y):
    z = w[0] + w[1] * x + w[2] * y
    return 1 / (1 + math.exp(-max(min(z, 50), -50)))


def loss_and_accuracy(w, rows):
    loss = correct = 0.0
    for x, y, label in rows:
        p = min(max(predict(w, x, y), 1e-9), 1 - 1e-9)
        loss -= label * math.log(p) + (1 - label) * math.log(1 - p)
        correct += (p >= 0.5) == bool(label)
    return loss / len(rows), correct / len(rows)
