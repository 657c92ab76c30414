"""Gage workbench front ends: the gage CLI and the Textual app."""

__all__: list[str] = []
