"""Where things are: the repository, its example project, the test data and
the shared Gagefile samples."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLES", "FIXTURES", "REPO", "SAMPLES"]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
FIXTURES = REPO / "tests" / "fixtures"
SAMPLES = REPO.parent / "shared" / "reference" / "gage-samples"
