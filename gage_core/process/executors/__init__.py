"""gage_core.process.executors: where a run's command executes.

An executor takes a staged run and runs it somewhere: ``local`` (the
runner process on this machine, the default) or ``ray`` (a Ray cluster's
Jobs API). All of them speak the protocol in ``base``: ``submit``,
``poll``, ``tail``, ``stop`` and ``fetch``. A remote run is followed by a
local proxy runner (``proxy``) that owns the run's meta like a local
runner does, so listing, tailing and stopping work the same; ``remote``
is the entry point that runs on the cluster. The handle of a remote run
is ``proc/executor.json`` in its meta.
"""

__all__: list[str] = []
