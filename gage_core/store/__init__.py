"""gage_core.store: the runs directory (ids, layout, meta, status, index).

Import from the submodules (``gage_core.store.store.RunStore`` etc.); the
package re-exports the most used names lazily-free (plain imports, cheap).
"""

from gage_core.store.opref import OpRef
from gage_core.store.run import Run
from gage_core.store.store import RunStore

__all__ = ["OpRef", "Run", "RunStore"]
