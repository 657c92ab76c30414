"""The runs directory: run ids and names, layout, meta read from a dir or
a ``.meta.zip``, status, the listing index, the ``.user`` attribute log
(labels, tags, comments), trash, project association, run integrity
checks, file watching and the time formats runs are shown with.

Import from the submodules (``gage_core.store.store.RunStore`` etc.); the
package re-exports the most used names with plain, cheap imports.
"""

from gage_core.store.opref import OpRef
from gage_core.store.run import Run
from gage_core.store.store import RunStore

__all__ = ["OpRef", "Run", "RunStore"]
