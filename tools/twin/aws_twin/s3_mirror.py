"""Local copies of S3 prefixes, made and put back with a role's credentials: the twin's engines (Spark for
Glue, DuckDB for Athena) cannot reach moto's S3 offline, so they read and write a mirror of the same keys,
and the role must allow every key that is really read or written."""

from __future__ import annotations

from pathlib import Path

from botocore.exceptions import ClientError


def split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def get(s3, uri: str) -> bytes:
    bucket, key = split(uri)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def mirror_down(s3, uri: str, dest: Path) -> int:
    """Every object under `uri` into `dest` (its keys relative to the prefix); the number copied."""
    bucket, prefix = split(uri)
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out = dest / o["Key"][len(prefix) :].lstrip("/")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
            n += 1
    return n


def mirror_up(s3, src: Path, uri: str) -> list[str]:
    """Every data file under `src` to the same keys under `uri`; the keys the role was denied."""
    bucket, prefix = split(uri)
    denied = []
    for f in sorted(src.rglob("*")):
        if not f.is_file() or f.name.startswith(".") or f.name.endswith(".crc"):
            continue
        key = "/".join(p for p in (prefix.strip("/"), str(f.relative_to(src))) if p)
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=f.read_bytes())
        except ClientError:
            denied.append(key)
    return denied


def mirror_sync(s3, src: Path, uri: str, before: set[str]) -> list[str]:
    """Puts `src` back under `uri` as the engine left it: every data file uploaded, and every key that was
    mirrored down (`before`, relative) but is gone locally deleted, as the engine's own overwrite on S3
    would have (Spark's dynamic partition overwrite replaces a month's files). The keys the role was denied.
    """
    bucket, prefix = split(uri)
    denied = mirror_up(s3, src, uri)
    for rel in sorted(before):
        if not (src / rel).is_file():
            key = "/".join(p for p in (prefix.strip("/"), rel) if p)
            try:
                s3.delete_object(Bucket=bucket, Key=key)
            except ClientError:
                denied.append(key)
    return denied


def local_keys(root: Path) -> set[str]:
    return {str(f.relative_to(root)) for f in root.rglob("*") if f.is_file()}
