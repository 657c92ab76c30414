"""Widgets of the workbench."""

__all__: list[str] = []
