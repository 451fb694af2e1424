"""The scenario language of the session helpers: the `background` step (S6)."""

from pathlib import Path

import pytest

from harness.config import ConfigError, load_suite


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_background_takes_seconds(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, "name: x\nsteps:\n  - launch\n  - background: 5\n"))
    step = suite.scenarios[0].steps[1]
    assert (step.action, step.arg, step.label) == ("background", 5, "background 5")


@pytest.mark.parametrize("value", ["0", "-1", "true", "soon", "{seconds: 5}", "null"])
def test_background_without_positive_seconds_names_file_line_and_field(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"name: x\nsteps:\n  - launch\n  - background: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert (info.value.line, info.value.field) == (4, "steps[1].background")
    assert "background: 5" in str(info.value)
