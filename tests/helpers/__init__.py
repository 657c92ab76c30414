"""Helpers shared by the tests (importable as ``helpers.*``; pytest puts
``tests/`` on the path): real runs made by the core and waiting on them
(``real_runs``), runs written straight to meta files (``meta_runs``), the
demo store behind snapshots and screenshots (``demo_store``), runs in Gage
0.1.2's on-disk format (``gage012``), the published Gage 0.1.2 from PyPI in
its own venv (``gage012_pypi``), a project whose code leaves a marker
when it runs (``marker_project``), and in-memory runs for query tests
(``query_runs``)."""

__all__: list[str] = []
