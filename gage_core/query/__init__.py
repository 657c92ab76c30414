"""gage_core.query: the run filter language (with typo hints), run selection,
sorting, comparable runs for `--needed`, and version specs."""

__all__: list[str] = []
