"""Fuzzing every input format through the CLI as a user types it: each mutated input must
end in exit 0 or 1, or in exit 2 with one line naming the problem; never a traceback, a
bare "Aborted", a hang or an output of a gigabyte.

The short run in `.ci/run` tries FINCOMP_FUZZ_EXAMPLES inputs per format (200 by default,
the same inputs every run); the long run for nightly use is documented in README.md here."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fincompliance.cli import app

from fuzz_formats import FORMATS, Format
from fuzz_mutate import mutated

EXAMPLES = int(os.environ.get("FINCOMP_FUZZ_EXAMPLES", "200"))
EXPLORE = os.environ.get("FINCOMP_FUZZ_EXPLORE") == "1"   # new inputs each run (nightly)
SECONDS_PER_INPUT = 60
MAX_OUTPUT_BYTES = 1024 ** 3


def run(fmt: Format, data: bytes) -> tuple[int, str]:
    """Write the input (and its companions) where the format lives and run the command;
    returns the exit code and what went to stderr, after checking the run's bounds."""
    with tempfile.TemporaryDirectory(prefix="fincomp-fuzz-") as folder:
        root = Path(folder)
        for name, companion in fmt.companions.items():
            (root / name).write_bytes(companion())
        target = root / fmt.layout
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        args = [a.format(input=target, root=root, db=root / "vulndb.sqlite3")
                for a in fmt.command]
        started = time.monotonic()
        previous = signal.signal(signal.SIGALRM, _too_slow)
        signal.alarm(SECONDS_PER_INPUT)
        try:
            result = CliRunner().invoke(app, args, env={"FINCOMP_CACHE_DIR": str(root / "c")})
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        elapsed = time.monotonic() - started
        outputs = [p for p in root.glob("out.*")]
        largest = max((p.stat().st_size for p in outputs), default=0)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{fmt.name}: traceback ({type(result.exception).__name__}: "
                             f"{result.exception})") from result.exception
    assert elapsed < SECONDS_PER_INPUT and largest < MAX_OUTPUT_BYTES
    assert "Aborted" not in result.output + result.stderr, f"{fmt.name}: bare Aborted"
    assert result.exit_code in (0, 1, 2), (fmt.name, result.exit_code, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("fincomp: error: "), \
            f"{fmt.name}: an error should be one line, got {result.stderr[:2000]!r}"
    return result.exit_code, result.stderr


def _too_slow(_signal, _frame):
    raise TimeoutError(f"an input ran over {SECONDS_PER_INPUT} s (a hang?)")


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_the_seed_reads_cleanly(fmt):
    # The seeds are real files: unmutated, each must be read, so the mutations start from
    # inside the parser rather than at its first line.
    code, errors = run(fmt, fmt.seed())
    assert code in (0, 1), errors


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_mutated_inputs_never_crash(fmt):
    seed = fmt.seed()

    @settings(max_examples=EXAMPLES, derandomize=not EXPLORE, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(data=st.data())
    def check(data):
        run(fmt, data.draw(mutated(seed, fmt.structure), label="input"))

    check()
