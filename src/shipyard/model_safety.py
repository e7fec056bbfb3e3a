"""The one policy for which model files may be loaded, shared by the registry and servers."""

from __future__ import annotations

from collections.abc import Iterable

from shipyard.errors import UnsafeArtifact

# Formats that execute code on load: refused everywhere, whatever the file claims to be.
PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib", ".dill", ".cloudpickle"})
# skops flags some library-internal types (e.g. scikit-learn's tree arrays) as untrusted by
# default. Types from these packages run no user-supplied code on load, so they may be
# trusted; anything else may not be listed in a model's trusted_types.
LIBRARY_TYPE_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.")


def is_pickle_file(name: str) -> bool:
    lowered = name.lower()
    return any(lowered.endswith(suffix) for suffix in PICKLE_SUFFIXES)


def library_types(types: Iterable[str]) -> list[str]:
    return sorted(t for t in types if t.startswith(LIBRARY_TYPE_PREFIXES))


def check_trusted_types(trusted: Iterable[str]) -> None:
    """Refuse a trusted_types list that reaches beyond library types."""
    foreign = sorted(t for t in trusted if not t.startswith(LIBRARY_TYPE_PREFIXES))
    if foreign:
        raise UnsafeArtifact(f"trusted_types may only name library types; refused: {', '.join(foreign)}")
