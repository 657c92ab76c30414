"""gage_core.staging."""

__all__: list[str] = []
