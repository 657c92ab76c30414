"""gage_core.query."""

__all__: list[str] = []
