"""Run the per-shard stage work on Ray Data (optional: `pip install .[ray]`).

The same pure stage functions run unchanged: Ray Data maps `process_shard` over the list
of shards (each task given its input's layers: files every node must be able to read), each
task writing its own output shard, so the output is byte-identical to the local engine's.
Without `address` a local Ray instance is started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.stages import MapStage, ShardJob


def run_shards_on_ray(
    process_shard: Callable[..., dict[str, Any]],
    stage: MapStage,
    jobs: list[ShardJob],
    address: str | None,
) -> Iterator[dict[str, Any]]:
    """Results in job order (Ray Data preserves order with `preserve_order`)."""
    import ray

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False

    def run(row: dict[str, Any]) -> dict[str, Any]:
        return {"index": row["index"], **process_shard(stage, *jobs[row["index"]])}

    items = [{"index": i} for i in range(len(jobs))]
    results = sorted(ray.data.from_items(items).map(run).take_all(), key=lambda r: r["index"])
    for result in results:
        yield {"name": result["name"], "sha256": result["sha256"], "rows": result["rows"]}
