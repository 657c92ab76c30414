"""Train a logistic regression with batch gradient descent."""

import json
import time

from model_util import load, loss_and_accuracy, predict

lr = 0.1
epochs = 20
delay = 0.1  # seconds per epoch, so progress is visible live

rows = load("train.csv")
w = [0.0, 0.0, 0.0]
for epoch in range(1, epochs + 1):
    grad = [0.0, 0.0, 0.0]
    for x, y, label in rows:
        err = predict(w, x, y) - label
        grad[0] += err
        grad[1] += err * x
        grad[2] += err * y
    w = [wi - lr * g / len(rows) for wi, g in zip(w, grad)]
    loss, acc = loss_and_accuracy(w, rows)
    print(f"epoch {epoch}/{epochs} step={epoch} loss={loss:.4f} accuracy={acc:.4f}")
    time.sleep(delay)

with open("model.json", "w") as f:
    json.dump({"weights": w}, f)
print(f"loss: {loss:.4f}")
print(f"accuracy: {acc:.4f}")
