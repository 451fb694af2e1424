"""Integrity manifests and signatures on hand-built folders, through the real CLI (verify, keygen, replay)."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from harness.evidence.manifest import verify_folder, write_manifest
from harness.evidence.signing import generate_key, load_private, sign_folder
from harness.timeline import Recorder, SessionEnd, SessionStart
from tests.conftest import miniprobe_cmd


def session(root: Path) -> Path:
    folder = root / "01-app-scenario"
    (folder / "screens").mkdir(parents=True)
    rec = Recorder(folder / "events.jsonl")
    rec.record(SessionStart(source="harness", session_id=folder.name, device="sim", device_kind="sim", appid="wx1",
                            scenario="s", tool_version="0.1.0"))
    rec.record(SessionEnd(source="harness", outcome="ok"))
    rec.close()
    (folder / "findings.json").write_text("[]")
    (folder / "session.json").write_text(json.dumps({"outcome": "ok"}))
    (folder / "screens" / "001.png").write_bytes(b"\x89PNG fake")
    write_manifest(folder)
    return folder


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*miniprobe_cmd(), *args], check=False, capture_output=True, text=True, timeout=120)


def test_manifest_covers_every_artifact_owner_only(tmp_path: Path) -> None:
    folder = session(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == {"events.jsonl", "findings.json", "session.json", "screens/001.png"}
    assert manifest["files"]["findings.json"]["size"] == 2
    assert stat.S_IMODE((folder / "manifest.json").stat().st_mode) == 0o600
    assert verify_folder(folder).ok


def test_verify_names_each_altered_removed_and_added_file(tmp_path: Path) -> None:
    folder = session(tmp_path)
    ok = cli("verify", str(folder))
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stdout + ok.stderr
    (folder / "findings.json").write_text('[{"x": 1}]')
    (folder / "screens" / "001.png").unlink()
    (folder / "late.log").write_text("written after the manifest")
    (folder / "report.html").write_text("derived: not evidence")
    bad = cli("verify", str(folder))
    assert bad.returncode == 1
    assert "altered: findings.json" in bad.stdout
    assert "removed: screens/001.png" in bad.stdout
    assert "added: late.log" in bad.stdout
    assert "report.html" not in bad.stdout
    assert cli("verify", str(tmp_path / "nothing")).returncode == 2


def test_replay_warns_on_an_altered_session(tmp_path: Path) -> None:
    folder = session(tmp_path)
    assert "warning" not in cli("replay", str(folder)).stderr
    (folder / "session.json").write_text("{}")
    proc = cli("replay", str(folder))
    assert proc.returncode == 0
    assert "does not match its manifest" in proc.stderr and "altered: session.json" in proc.stderr


def test_signature_checks_the_key_and_the_manifest(tmp_path: Path) -> None:
    folder = session(tmp_path)
    keys = tmp_path / "keys"
    keys.mkdir()
    made = cli("keygen", str(keys / "lab"))
    assert made.returncode == 0 and "fingerprint: SHA256:" in made.stdout
    assert stat.S_IMODE((keys / "lab").stat().st_mode) == 0o600
    assert cli("keygen", str(keys / "lab")).returncode == 2  # never overwrites a key
    generate_key(keys / "other")
    unsigned = cli("verify", str(folder), "--pubkey", str(keys / "lab.pub"))
    assert unsigned.returncode == 1 and "not signed" in unsigned.stdout
    sign_folder(folder, load_private(keys / "lab"))
    pinned = cli("verify", str(folder), "--pubkey", str(keys / "lab.pub"))
    assert pinned.returncode == 0 and "signed by SHA256:" in pinned.stdout, pinned.stdout
    assert "not pinned" in cli("verify", str(folder)).stdout
    wrong = cli("verify", str(folder), "--pubkey", str(keys / "other.pub"))
    assert wrong.returncode == 1 and "signed by another key" in wrong.stdout
    # a forger who edits a file and rewrites the manifest cannot re-sign it
    (folder / "findings.json").write_text("[]\n")
    write_manifest(folder)
    forged = cli("verify", str(folder))
    assert forged.returncode == 1 and "signature does not match" in forged.stdout
