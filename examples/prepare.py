"""Write train.csv and test.csv: two noisy Gaussian blobs."""

import csv
import random

samples = 400
noise = 1.0
test_fraction = 0.25
seed = 7

rng = random.Random(seed)
rows = []
for i in range(samples):
    label = i % 2
    cx, cy = (1.5, 1.5) if label else (-1.5, -1.5)
    rows.append((rng.gauss(cx, noise), rng.gauss(cy, noise), label))
rng.shuffle(rows)
split = int(len(rows) * (1 - test_fraction))
for name, part in (("train.csv", rows[:split]), ("test.csv", rows[split:])):
    with open(name, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x", "y", "label"])
        w.writerows(part)
    print(f"wrote {len(part)} rows to {name}")
print(f"samples: {samples}")
