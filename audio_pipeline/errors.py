"""The one exception family of audio_pipeline.

Every problem the user can fix (bad input, a bad casting file, a missing tool) is an
:class:`AudioPipelineError`. The CLI prints it as one ``error: …`` line and exits with its
``exit_code``; anything else is a bug and keeps its traceback. Each subclass also derives
from the fitting builtin, as mutagen's errors do, so ``except ValueError`` still works.
"""

from __future__ import annotations


class AudioPipelineError(Exception):
    """Root of every error the tool reports to the user as one line."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``file:line: message (hint)``, the form the CLI prints after ``error:``."""
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


class TranscriptError(AudioPipelineError, ValueError):
    """The transcript cannot be read or has no speech in it."""

    exit_code = 2


class CastingError(AudioPipelineError, ValueError):
    """The casting file (voices.toml) or a --voice override is wrong."""

    exit_code = 3


class EngineError(AudioPipelineError, RuntimeError):
    """The speech engine is missing, failed, or returned no audio."""

    exit_code = 4


class ExportError(AudioPipelineError, OSError):
    """An output could not be encoded or written (ffmpeg, disk, permissions)."""

    exit_code = 5


def disk_error(exc: OSError, where=None) -> ExportError:
    """An OSError while writing (disk full, file too large, read-only, permission) as one line."""
    import errno

    reasons = {errno.ENOSPC: "the disk is full", errno.EFBIG: "a file grew past the size limit (disk full?)",
               errno.EDQUOT: "the disk quota is exceeded", errno.EROFS: "the file system is read-only",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied"}
    reason = reasons.get(exc.errno, exc.strerror or str(exc))
    return ExportError(f"cannot write: {reason}", path=str(exc.filename or where or ""),
                       hint="free some space or choose another folder with --out / --cache-dir")


class ClusterError(AudioPipelineError, RuntimeError):
    """The Dask cluster asked for cannot be used (Dask not installed, scheduler unreachable)."""

    exit_code = 7
