"""Output file names and atomic writes: nothing half-written is ever left at an output path."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from .errors import ExportError

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def slugify(text: str, fallback: str = "episode", limit: int = 60) -> str:
    """A file-name-safe ASCII slug: ``"Systems ML workshop panel"`` → ``systems-ml-workshop-panel``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    if not slug or slug in _WINDOWS_RESERVED:
        slug = slugify(fallback, "episode", limit) if fallback != text else "episode"
    return slug


_staging: ContextVar[list | None] = ContextVar("audio_pipeline_staging", default=None)


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; it becomes ``dest`` only if the block succeeds.

    Inside :func:`staged_outputs` the rename waits until every output of the render is complete.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.{os.getpid()}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
    pending = _staging.get()
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if pending is None:
        os.replace(tmp, dest)
    else:
        pending.append((tmp, dest))


@contextlib.contextmanager
def staged_outputs() -> Iterator[None]:
    """Hold back every :func:`atomic_path` rename in the block and do them together at its end, so
    a render that fails or is killed leaves the previous set of outputs, not a mix.

    The largest file is renamed last. Renaming over an existing file can be slow (ext4 writes the
    new file's data out first: 12–20 ms for a 37-minute MP3, 0.1–0.3 ms for a sidecar), and a kill
    that arrives during a rename takes effect once it is done. Last, that rename completes the set;
    first, it would leave a new episode beside old sidecars. What remains is the sub-millisecond
    while the small files are renamed."""
    pending: list[tuple[Path, Path]] = []
    token = _staging.set(pending)
    try:
        yield
        for tmp, dest in sorted(pending, key=lambda item: item[0].stat().st_size):
            os.replace(tmp, dest)
    finally:
        _staging.reset(token)
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)


_PART = re.compile(r"^\..+\.(\d+)\.[^.]+\.part$")


def sweep_stale(folder: Path) -> None:
    """Remove temporary files that a killed render left behind (their process is gone)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = _PART.match(entry.name)
        if m and entry.is_file() and not process_alive(int(m[1])):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        elif entry.is_dir() and not entry.name.startswith("."):
            sweep_stale(Path(entry.path))  # clips folders


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one that belongs to another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != 0


def write_text_atomic(dest: Path, text: str) -> None:
    """Write UTF-8 text to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_if_changed(dest: Path, data: bytes) -> bool:
    """Write ``data`` to ``dest`` atomically unless the file already holds exactly that (its date
    then stays, which podcast apps and a re-run batch rely on); whether it was written."""
    try:
        if dest.read_bytes() == data:
            return False
    except OSError:
        pass
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return True


def check_writable(folder: Path) -> None:
    """Fail early, before minutes of synthesis, if the output folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ExportError(f"the output folder cannot be written: {exc.strerror or exc}", path=str(folder),
                          hint="choose another folder with --out") from None


def safe_filename(text: str, fallback: str = "untitled", limit: int = 48) -> str:
    """A file name part that is valid on every common OS and never leaves its folder.

    Letters and digits of any script are kept (NFC); everything else — separators, ``..``,
    control characters, NUL, characters Windows forbids — becomes ``-``. Reserved Windows names get
    a ``_`` prefix; the result is cut to ``limit`` characters and 150 UTF-8 bytes.

    >>> safe_filename("../etc/passwd"), safe_filename("你如何定位？"), safe_filename("CON")
    ('etc-passwd', '你如何定位', '_CON')
    """
    text = unicodedata.normalize("NFC", text)
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in text)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-. ")[:limit].strip("-. ")
    while len(cleaned.encode()) > 150:
        cleaned = cleaned[:-1]
    if not cleaned:
        cleaned = fallback
    if cleaned.split(".")[0].lower() in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    return cleaned
