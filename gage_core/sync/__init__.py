"""gage_core.sync: finished runs copied to and from fsspec URLs.

``transfer`` moves file trees between this machine and an fsspec
filesystem (size-verified, resumable, optionally deleting extras);
``runs`` knows the runs layout on both sides (``<id>/``, ``<id>.meta/``
or ``<id>.meta.zip``, ``<id>.user/``) and the completion marker that makes
a copied run visible to ``gage copy --src`` and to the Ray executor.
"""

__all__: list[str] = []
