"""The Textual workbench (gage ui)."""

__all__: list[str] = []
