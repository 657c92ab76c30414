"""gage_core.store."""

__all__: list[str] = []
