"""The only way fincomp reaches a network: httpx, to URLs the user configured or named,
with timeouts, bounded retries with backoff, and a size limit on what it downloads."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from fincompliance import __version__
from fincompliance.errors import InputError
from fincompliance.inputs import max_file_bytes

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
RETRIES = 3
RETRY_STATUSES = {429, 500, 502, 503, 504}  # worth asking again after a pause
USER_AGENT = f"fincomp/{__version__}"


def client() -> httpx.Client:
    # trust_env: the institution's proxy and CA settings (HTTPS_PROXY, SSL_CERT_FILE) apply.
    return httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT},
                        follow_redirects=True, trust_env=True)


def async_client(seconds: float) -> httpx.AsyncClient:
    """The client for concurrent registry questions: the same settings, another timeout."""
    return httpx.AsyncClient(timeout=httpx.Timeout(seconds, connect=min(5.0, seconds)),
                             headers={"User-Agent": USER_AGENT}, follow_redirects=True,
                             trust_env=True)


def ask(url: str, seconds: float | None = None) -> httpx.Response | str:
    """One small answer (an index's configuration, a published checksum), no retries;
    why there is none when the server could not be reached."""
    try:
        with client() as http:
            return http.get(url, timeout=seconds if seconds is not None else TIMEOUT)
    except httpx.HTTPError as exc:
        return str(exc) or type(exc).__name__


def ask_json(url: str, seconds: float | None = None) -> tuple[Any, str | None]:
    """`ask` for a JSON document: the document (None when the answer holds none), and why
    there is no answer when the server could not be reached."""
    answer = ask(url, seconds)
    if isinstance(answer, str):
        return None, answer
    try:
        return (answer.json() if answer.status_code == 200 else None), None
    except ValueError:
        return None, None


def download(url: str, limit: int | None = None) -> Path:
    """Fetch a file to a temporary path (the caller deletes it); retries transient errors."""
    limit = max_file_bytes() if limit is None else limit
    last_error = ""
    with client() as http:
        for attempt in range(RETRIES):
            if attempt:
                time.sleep(backoff(attempt))
            try:
                with http.stream("GET", url) as response:
                    if response.status_code in RETRY_STATUSES:
                        last_error = f"HTTP {response.status_code}"
                        continue
                    if response.status_code != 200:
                        raise InputError(url, f"download failed: HTTP {response.status_code}")
                    return _save(response, url, limit)
            except httpx.TransportError as exc:
                last_error = str(exc) or type(exc).__name__
    raise InputError(url, f"unreachable after {RETRIES} attempts: {last_error}")


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): 0.5, 1, 2, ..."""
    return 0.25 * 2 ** attempt


def _save(response: httpx.Response, url: str, limit: int) -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="fincomp-", delete=False)
    size = 0
    with handle:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                handle.close()
                Path(handle.name).unlink()
                raise InputError(url, f"download is over the {limit:,}-byte limit "
                                 "(set FINCOMP_MAX_FILE_SIZE to raise it)")
            handle.write(chunk)
    return Path(handle.name)
