"""Where synthesis tasks run: this machine's worker processes, or a Dask cluster.

``--cluster tcp://HOST:PORT`` connects to a running Dask scheduler; ``--cluster local:N`` starts a
Dask ``LocalCluster`` of N worker processes here. Either way the tasks are handed to the client's
``concurrent.futures`` executor: Dask schedules them, and reschedules the tasks of a worker that
dies. Workers need only the package installed; finished audio comes back as bytes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from concurrent.futures import Executor

from .errors import ClusterError

EXTRA_HINT = "install the Dask extra: pip install 'audio-pipeline[cluster]'"


@contextlib.contextmanager
def cluster_executor(address: str | None, engine: str = "pyttsx3") -> Iterator[Executor | None]:
    """An executor on the Dask cluster at ``address`` (``tcp://HOST:PORT`` or ``local:N``) for the
    block, or None (the local process pool) when ``address`` is empty. Every worker, present or
    joining later, loads ``engine`` as it starts."""
    if not address:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("--cluster needs Dask's distributed scheduler, which is not installed",
                           hint=EXTRA_HINT) from None
    with contextlib.ExitStack() as stack:
        if address.startswith("local:"):
            count = address.removeprefix("local:")
            if not count.isdigit() or int(count) < 1:
                raise ClusterError(f"--cluster {address!r}: expected local:N with N ≥ 1 workers")
            import dask

            # No dashboard, so nothing reads the statistical profile each worker would otherwise
            # take of its threads every 10 ms (40 episodes on local:2, medians of 3 alternating runs:
            # 30.9 → 30.4 s).
            stack.enter_context(dask.config.set({"distributed.worker.profile.enabled": False}))
            cluster = stack.enter_context(_starting(lambda: LocalCluster(
                n_workers=int(count), processes=True, threads_per_worker=1, dashboard_address=None,
                silence_logs=logging.ERROR), address))
            client = stack.enter_context(_starting(lambda: Client(cluster), address))
        else:
            client = stack.enter_context(_starting(lambda: Client(address, timeout="10s"), address))
        client.register_plugin(_engine_loader(engine), name="audio-pipeline-engine")
        # Each submit is its own task (never merged with an equal one by key). A task that fails
        # is run again, up to twice: on a shared cluster a worker's engine process can die of
        # causes outside the task (a restart, memory pressure), and a run's audio depends only
        # on the run, so a retry gives the same bytes. (A worker that dies is Dask's to handle:
        # its tasks go to other workers.)
        yield client.get_executor(pure=False, retries=2)


def _engine_loader(engine: str):
    """A Dask worker plugin that loads the speech engine once in each worker as it starts."""
    from distributed.diagnostics.plugin import WorkerPlugin

    from .tts.engine import ENGINES

    target = ENGINES[engine]

    class EngineLoader(WorkerPlugin):
        def setup(self, worker) -> None:
            from audio_pipeline.heap import keep_heap
            from audio_pipeline.synth_worker import prepare_worker

            keep_heap()
            prepare_worker(target)

    return EngineLoader()


@contextlib.contextmanager
def _starting(make, address: str):
    try:
        value = make()
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask cluster {address!r}: {exc}",
                           hint="start it with: dask scheduler, then dask worker tcp://HOST:8786") from None
    with value:
        yield value
