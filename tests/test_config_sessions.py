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


def test_profile_minor_and_canary_input(tmp_path: Path) -> None:
    text = ("name: x\nprofile: {id_card: minor, phoneNumber: '13700001111'}\nsteps:\n  - launch\n"
            "  - input: {into: 请输入身份证号, text: {canary: id_card.minor}}\n")
    scenario = load_suite(write(tmp_path, text)).scenarios[0]
    assert scenario.profile == {"id_card": "minor", "phoneNumber": "13700001111"}
    assert scenario.steps[1].arg["text"] == {"canary": "id_card.minor"}


@pytest.mark.parametrize(("profile", "line", "field", "says"), [
    ("{id_card: child}", 2, "profile.id_card", "minor, adult"),
    ("[minor]", 2, "profile", "id_card: minor"),
    ("{location: nowhere}", 2, "profile.location", "location"),
])
def test_bad_profile_names_file_line_and_field(tmp_path: Path, profile: str, line: int, field: str, says: str) -> None:
    path = write(tmp_path, f"name: x\nprofile: {profile}\nsteps:\n  - launch\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert (info.value.line, info.value.field) == (line, field) and says in str(info.value)


def test_input_canary_needs_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nsteps:\n  - launch\n  - input: {into: 身份证号, text: {canary: ''}}\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert (info.value.line, info.value.field) == (4, "steps[1].input") and "canary" in str(info.value)
