"""kombu's filesystem broker (the embedded run's, no server needed): its folders under one directory."""

from __future__ import annotations

from pathlib import Path


def filesystem_transport_options(folder: Path) -> dict[str, object]:
    """Transport options for a filesystem broker kept in `folder`, whose sub-folders are made here. Every process
    that shares `folder` (the web server, the workers, beat) shares the queues."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        # Without this kombu writes its exchange tables to ./control in whatever folder the process runs in.
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
