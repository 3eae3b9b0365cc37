"""What Redis keeps on disk: its append-only files and snapshot, read as raw bytes."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis


@contextmanager
def readable_persistence(client: "redis.Redis") -> Iterator[None]:
    """Turn off LZF compression of snapshots (and of the AOF's RDB preamble) meanwhile, so a
    byte search of the files sees every string they hold."""
    before = str(client.config_get("rdbcompression")["rdbcompression"])
    client.config_set("rdbcompression", "no")
    try:
        yield
    finally:
        client.config_set("rdbcompression", before)


def aof_enabled(client: "redis.Redis") -> bool:
    """Tell whether Redis writes an append-only file."""
    return bool(client.config_get("appendonly")["appendonly"] == "yes")


def wait_for_rewrites(client: "redis.Redis", *, timeout_s: float = 30.0) -> None:
    """Wait until no AOF rewrite or snapshot runs or is scheduled."""
    deadline = time.monotonic() + timeout_s
    busy = (
        "aof_rewrite_in_progress",
        "aof_rewrite_scheduled",
        "rdb_bgsave_in_progress",
    )
    while time.monotonic() < deadline:
        info = client.info("persistence")
        if not any(int(info.get(flag, 0)) for flag in busy):
            return
        time.sleep(0.1)
    raise AssertionError(f"Redis still rewrites its files after {timeout_s}s")


def persisted_files(client: "redis.Redis") -> list[Path]:
    """Return Redis's append-only files (Redis 7: a folder of them) and its snapshot."""
    config = {str(k): str(v) for k, v in client.config_get("*").items()}
    folder = Path(config["dir"])
    files = [folder / config["dbfilename"]]
    aof_dir = folder / config.get("appenddirname", "")
    if config.get("appenddirname") and aof_dir.is_dir():
        files += sorted(p for p in aof_dir.iterdir() if p.is_file())
    else:
        files.append(folder / config["appendfilename"])
    return [f for f in files if f.exists()]


def persisted_bytes(client: "redis.Redis") -> bytes:
    """Return every file Redis persists to, concatenated."""
    return b"".join(f.read_bytes() for f in persisted_files(client))
