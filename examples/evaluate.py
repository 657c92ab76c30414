"""Score model.json on test.csv."""

import json

from model_util import load, loss_and_accuracy

with open("model.json") as f:
    w = json.load(f)["weights"]
loss, acc = loss_and_accuracy(w, load("test.csv"))
print(f"test_loss: {loss:.4f}")
print(f"test_accuracy: {acc:.4f}")
