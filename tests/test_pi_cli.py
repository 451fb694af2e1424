"""`miniprobe pi scan` and `miniprobe pi measure` through the real CLI app (typer's CliRunner)."""

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app

PHONE = "13912345678"
runner = CliRunner()


def test_scan_stdin_json_body_prints_masked_matches_only() -> None:
    body = json.dumps({"user": {"mobile": PHONE}, "loc": {"lat": 31.230416, "lng": 121.473701}})
    result = runner.invoke(app, ["pi", "scan", "-"], input=body)
    assert result.exit_code == 0, result.output
    assert "phone" in result.output and "139****5678" in result.output and "body.json:$.user.mobile" in result.output
    assert "location" in result.output and "(precise)" in result.output
    assert PHONE not in result.output and "31.230416" not in result.output


def test_scan_file_gzip_base64_and_json_output(tmp_path: Path) -> None:
    inner = json.dumps({"idCard": "11010519491231002X"}).encode()
    path = tmp_path / "blob.bin"
    path.write_bytes(gzip.compress(inner))
    result = runner.invoke(app, ["pi", "scan", str(path), "--json"])
    assert result.exit_code == 0, result.output
    [match] = json.loads(result.output)
    assert match["type"] == "id_card" and match["confidence"] == "high"
    assert match["location"] == "body|gzip.json:$.idCard" and "11010519491231002X" not in result.output


def test_scan_with_canary_finds_a_hashed_value() -> None:
    import hashlib

    digest = hashlib.sha256(PHONE.encode()).hexdigest()
    result = runner.invoke(app, ["pi", "scan", "--json", "--canary", f"phoneNumber={PHONE}"], input=f"u={digest}")
    assert result.exit_code == 0, result.output
    [match] = json.loads(result.output)
    assert match["canary"] == "phoneNumber" and match["masked"] == "sha256(139****5678)"
    assert PHONE not in result.output


def test_scan_face_upload_needs_the_url() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    plain = runner.invoke(app, ["pi", "scan", "--json"], input=jpeg)
    face = runner.invoke(app, ["pi", "scan", "--json", "--url", "https://a.example/face/verify",
                               "--content-type", "image/jpeg"], input=jpeg)
    assert json.loads(plain.output) == []
    assert [m["type"] for m in json.loads(face.output)] == ["face"]


def test_scan_nothing_and_bad_input() -> None:
    assert runner.invoke(app, ["pi", "scan"], input="hello world").output.strip() == "no personal data recognised"
    missing = runner.invoke(app, ["pi", "scan", "/nonexistent/file"])
    assert missing.exit_code == 2 and "/nonexistent/file" in missing.output
    bad = runner.invoke(app, ["pi", "scan", "--canary", "novalue"], input="x")
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output


def test_measure_default_corpus_meets_the_targets() -> None:
    result = runner.invoke(app, ["pi", "measure"])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "phone" in result.output


def test_measure_exits_1_below_target_and_2_on_a_bad_corpus(tmp_path: Path) -> None:
    weak = tmp_path / "weak.jsonl"
    lines = [{"id": f"n{i}", "kind": "value", "key": "ts", "value": PHONE, "expect": []} for i in range(3)]
    lines.append({"id": "p", "kind": "text", "text": "no phone here", "expect": ["phone"]})
    weak.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = runner.invoke(app, ["pi", "measure", "--corpus", str(weak), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["passed"] is False and report["types"]["phone"]["failures"] == ["recall 0.000 < 0.95"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "kind": "value", "value": 1, "expect": []}\n{"kind": "blob", "expect": []}\n')
    result = runner.invoke(app, ["pi", "measure", "--corpus", str(bad)])
    assert result.exit_code == 2 and "bad.jsonl:2: kind" in result.output
    assert runner.invoke(app, ["pi", "measure", "--corpus", str(tmp_path / "none")]).exit_code == 2
