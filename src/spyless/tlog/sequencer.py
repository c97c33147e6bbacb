"""Group commit: many concurrent single-entry submissions, one transaction per batch.

A server thread per request calls :meth:`Sequencer.submit` and blocks until its entry is
durably committed; one background thread drains the queue into :meth:`Log.append` calls,
so the fsync cost of a commit is shared by every entry that arrived meanwhile.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from spyless.tlog.interface import TlogError
from spyless.tlog.log import Log


class Sequencer:
    """Batches :meth:`submit` calls from many threads into :meth:`Log.append` transactions."""

    def __init__(self, log: Log, max_batch: int = 1024, max_wait: float = 0.002) -> None:
        self._log = log
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._queue: queue.Queue[tuple[bytes, Future[int]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="tlog-sequencer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, entry: bytes, timeout: float = 60.0) -> int:
        """Append one entry; return its index once committed (raises EntryError if refused)."""
        if self._closed:
            raise TlogError("the sequencer is closed")
        self._log.check_entry(entry)
        future: Future[int] = Future()
        self._queue.put((entry, future))
        return future.result(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get(timeout=self._max_wait)
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                indexes = self._log.append([entry for entry, _ in batch])
            except Exception as e:  # every waiter must learn of the failure
                for _, future in batch:
                    future.set_exception(e)
            else:
                for (_, future), index in zip(batch, indexes, strict=True):
                    future.set_result(index)
            if stop:
                return

    def close(self) -> None:
        """Finish the queued submissions and stop the background thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
