"""gage_core.process."""

__all__: list[str] = []
