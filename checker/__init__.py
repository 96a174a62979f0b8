"""claimcheck: multi-source claim consistency checking for news.

``from checker import Checker``: the Python API (checker/api.py), imported on first use so that
``claimcheck --help`` stays quick.
"""

__version__ = "0.1.0"
__all__ = ["Checker", "exit_code", "__version__"]


def __getattr__(name: str) -> object:
    if name in ("Checker", "exit_code"):
        from checker import api

        return getattr(api, name)
    raise AttributeError(f"module 'checker' has no attribute {name!r}")
