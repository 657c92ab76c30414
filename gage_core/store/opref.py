"""Operation references: the ``opref`` meta file.

Written as the published Gage 0.1.2 (PyPI) decodes it: ``1 <namespace>
<name>``; a versioned op needs schema 2, ``2 <namespace> <name> <version>``
(later Gage), which that release cannot read. Both are decoded. Parts
contain no spaces.
"""

from __future__ import annotations

from dataclasses import dataclass

from gage_core.errors import StoreError

__all__ = ["OpRef", "OpRefError", "decode_opref"]


class OpRefError(StoreError):
    """An ``opref`` text that cannot be decoded."""


@dataclass(frozen=True)
class OpRef:
    namespace: str
    name: str
    version: str | None = None

    def encode(self) -> str:
        """Schema 1 text (schema 2 when versioned), without a trailing newline."""
        for part in (self.namespace, self.name, self.version or ""):
            if any(ch.isspace() for ch in part):
                raise OpRefError(f"opref part {part!r} contains whitespace")
        if not self.namespace or not self.name:
            raise OpRefError("opref needs a namespace and a name")
        if not self.version:
            return f"1 {self.namespace} {self.name}"
        return f"2 {self.namespace} {self.name} {self.version}"

    @classmethod
    def decode(cls, text: str | bytes) -> OpRef:
        """Decode schema 1 or 2 text; raises ``OpRefError`` if malformed."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as e:
                raise OpRefError(f"opref is not UTF-8: {e}") from None
        parts = text.split()
        if not parts:
            raise OpRefError("opref is empty")
        schema = parts[0]
        if schema == "2" and len(parts) in (3, 4):
            return cls(parts[1], parts[2], parts[3] if len(parts) == 4 else None)
        if schema == "1" and len(parts) == 3:
            return cls(parts[1], parts[2], None)
        raise OpRefError(f"unsupported opref {text.strip()!r}")

    @property
    def qualified_name(self) -> str:
        """``namespace:name`` plus ``vVERSION`` when versioned."""
        base = f"{self.namespace}:{self.name}"
        return f"{base} v{self.version}" if self.version else base

    def display_name(self, current_namespace: str | None = None) -> str:
        """Bare name when the namespace is the current project's, else qualified."""
        base = self.name if self.namespace == current_namespace else f"{self.namespace}:{self.name}"
        return f"{base} v{self.version}" if self.version else base


def decode_opref(text: str | bytes) -> OpRef:
    return OpRef.decode(text)
