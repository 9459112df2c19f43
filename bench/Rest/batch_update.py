"""Updates over REST: one PATCH per memory against one PATCH /v1/memories for all of them, on the same service.

Usage: AGENTMEM_URL=... AGENTMEM_KEY=... python3 batch_update.py [N]   (run.sh starts a service and runs this)
Prints a table; every update is checked (each memory ends at version 3: added, updated one by one, updated in the batch).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
from agentmem_client import AgentMemClient  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    client = AgentMemClient(os.environ["AGENTMEM_URL"], os.environ["AGENTMEM_KEY"])
    cube = f"rest-batch-{int(time.time())}"
    ids: list[str] = []
    for start in range(0, n, 250):
        items = [{"text": f"Memory {i}: Caroline mentioned plan number {i} for the trip"} for i in range(start, min(n, start + 250))]
        ids += [o["id"] for o in client.add_batch(items, cube=cube)]

    started = time.perf_counter()
    for i, memory_id in enumerate(ids):
        client.update(memory_id, text=f"Memory {i}: Caroline changed plan number {i}", reason="one by one")
    single = time.perf_counter() - started

    started = time.perf_counter()
    written = client.update_batch([{"id": memory_id, "text": f"Memory {i}: Caroline settled plan number {i}", "reason": "batch"}
                                   for i, memory_id in enumerate(ids)])
    batch = time.perf_counter() - started

    assert [m["id"] for m in written] == ids and all(m["version"] == 3 for m in written), "the batch did not write version 3 of every memory"
    assert client.get(ids[-1])["text"] == f"Memory {n - 1}: Caroline settled plan number {n - 1}"

    print(f"{n} updates of {n} memories over REST ({os.environ['AGENTMEM_URL']})")
    print(f"| {'how':<28} | {'requests':>8} | {'seconds':>8} | {'updates/s':>9} |")
    print(f"|{'-' * 30}|{'-' * 10}|{'-' * 10}|{'-' * 11}|")
    print(f"| {'PATCH /v1/memories/{id} each':<28} | {n:>8} | {single:>8.2f} | {n / single:>9.0f} |")
    print(f"| {'PATCH /v1/memories (batch)':<28} | {1:>8} | {batch:>8.2f} | {n / batch:>9.0f} |")
    print(f"batch / one by one: {single / batch:.1f}x faster")


if __name__ == "__main__":
    main()
