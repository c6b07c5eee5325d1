"""What the twin's ECS and Glue executors share: moto records work without doing it; an executor takes
over one moto model's state (manual progression, so nothing advances by itself), watches for new work in
a thread, does each piece in its own thread (a flow-run task waits for the stage tasks it starts), and
writes the outcome back into moto's backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any


class MotoExecutor:
    model_name = ""  # moto's managed-state model, e.g. "ecs::task"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []

    def pending(self) -> Iterator[tuple[str, Any]]:
        """(id, item) of every piece of work moto has recorded; the loop does each id once."""
        raise NotImplementedError

    def execute(self, item: Any) -> None:
        raise NotImplementedError

    def start(self):
        from moto.moto_api import state_manager

        state_manager.set_transition(
            model_name=self.model_name, transition={"progression": "manual", "times": 10**9}
        )
        self._thread = threading.Thread(target=self._loop, name=f"twin-{self.model_name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        for worker in self._workers:
            worker.join(30)

    def _loop(self) -> None:
        seen: set[str] = set()
        while not self._stop.is_set():
            for key, item in list(self.pending()):
                if key not in seen:
                    seen.add(key)
                    worker = threading.Thread(target=self.execute, args=(item,), daemon=True)
                    self._workers.append(worker)
                    worker.start()
            time.sleep(0.2)
