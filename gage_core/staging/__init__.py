"""Making a run ready to start: flags and batches, source code selection,
config files, dependencies, the preview of all of it, and the entry points
``lifecycle.init_run`` / ``lifecycle.stage_run`` that write the meta and
stage the run directory.
"""

__all__: list[str] = []
