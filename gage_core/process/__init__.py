"""gage_core.process: running runs.

Entry points for front ends (import the modules; this package exports
nothing itself so importing it stays cheap):

- Init and staging live in ``gage_core.staging.lifecycle``.
- ``launch.start_detached(run) -> runner pid``;
  ``launch.run_foreground(run, echo=True) -> exit code``;
  ``launch.launch_detached(project, opdef, config, ...) -> run_id``
  (init + stage + start detached, for the TUI). ``run`` is a store ``Run``
  or a run dir path.
- ``stop.stop_run(run, grace=10.0) -> exit code`` (blocks up to the grace);
  ``stop.request_stop(run) -> bool`` (non-blocking, for UIs).
- ``output.OutputReader(path)`` (``refresh``, ``read``, ``tail``,
  ``follow``), ``output.RunOutputFollower(meta_dir)`` (all phases, live),
  ``progress.read_progress(meta_dir)``.
- ``python -m gage_core.process.runner RUN_DIR [--grace S]``: the process
  that owns a run (``runner.py``).
"""

__all__: list[str] = []
