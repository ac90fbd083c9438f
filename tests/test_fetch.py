import hashlib

import pytest

from symrep.data.fetch import DataUnavailableError, fetch, md5sum

PAYLOAD = b"canonical bytes\n"
MD5 = hashlib.md5(PAYLOAD).hexdigest()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_copies_from_mirror_and_verifies(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "set").mkdir(parents=True)
    (mirror / "set" / "file.bin").write_bytes(PAYLOAD)
    source = fetch("set/file.bin", MD5, tmp_path / "out" / "file.bin", mirrors=[mirror])
    assert (tmp_path / "out" / "file.bin").read_bytes() == PAYLOAD
    assert md5sum(tmp_path / "out" / "file.bin") == MD5
    assert "mirror" in source


def test_mirror_may_hold_the_bare_file_name(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "file.bin").write_bytes(PAYLOAD)
    fetch("set/file.bin", MD5, tmp_path / "file.bin", mirrors=[tmp_path / "flat"])
    assert (tmp_path / "file.bin").read_bytes() == PAYLOAD


def test_corrupt_mirror_falls_back_to_url(tmp_path):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "file.bin").write_bytes(b"corrupted")
    (tmp_path / "remote.bin").write_bytes(PAYLOAD)
    out = tmp_path / "out"
    out.mkdir()
    source = fetch(
        "file.bin",
        MD5,
        out / "file.bin",
        mirrors=[tmp_path / "mirror"],
        urls=[(tmp_path / "remote.bin").as_uri()],
    )
    assert source.startswith("url file://")
    assert leftovers(out) == ["file.bin"]


def test_failure_names_file_checksum_and_every_place_and_leaves_nothing(tmp_path):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "file.bin").write_bytes(b"corrupted")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DataUnavailableError) as err:
        fetch(
            "file.bin",
            MD5,
            out / "file.bin",
            mirrors=[tmp_path / "mirror", tmp_path / "elsewhere"],
            urls=[(tmp_path / "missing.bin").as_uri()],
        )
    message = str(err.value)
    assert "file.bin" in message and MD5 in message
    assert (
        str(tmp_path / "mirror" / "file.bin") in message
        and md5sum(tmp_path / "mirror" / "file.bin") in message
    )
    assert str(tmp_path / "elsewhere" / "file.bin") in message and "not found" in message
    assert (tmp_path / "missing.bin").as_uri() in message
    assert leftovers(out) == []


def test_url_with_wrong_content_is_rejected(tmp_path):
    (tmp_path / "remote.bin").write_bytes(b"something else")
    with pytest.raises(DataUnavailableError, match="checksum"):
        fetch("file.bin", MD5, tmp_path / "file.bin", urls=[(tmp_path / "remote.bin").as_uri()])
    assert not (tmp_path / "file.bin").exists()
