"""gage_core.query: the run filter language, run selection and sorting."""

__all__: list[str] = []
