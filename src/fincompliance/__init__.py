"""fincomp: SBOM and licence-compliance scanning for financial institutions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fincompliance")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
