"""fincomp: SBOM and licence-compliance scanning for financial institutions."""

# The one place the version is written: pyproject.toml reads it from here when building,
# and `fincomp --version` without asking the installed distribution's metadata (which took
# a sixth of the start-up time).
__version__ = "0.1.0"
