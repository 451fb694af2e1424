"""Bad YAML gets an error naming the file, the line and the field."""

from pathlib import Path

import pytest

from harness.config import ConfigError, load_devices, load_suite


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_action_names_file_line_and_step(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: x\nsteps:\n  - launch\n  - tapp: 附近门店\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert info.value.line == 4 and info.value.field == "steps[1]"
    assert str(info.value).startswith(f"{path.resolve()}:4: steps[1]: unknown action 'tapp'")


def test_bad_choice_points_at_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: x\nsteps:\n  - launch\n  - wait: 1\n  - scope_popup: maybe\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert (info.value.line, info.value.field) == (5, "steps[2].scope_popup")
    assert "allow, refuse" in str(info.value)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: x\nsteps:\n  - launch\n  - tap: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert info.value.line is not None and info.value.line >= 4
    assert "not valid YAML" in str(info.value)


def test_device_field_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", "devices:\n  - name: sim\n    kind: sim\n    colour: red\n")
    with pytest.raises(ConfigError) as info:
        load_devices(path)
    assert (info.value.line, info.value.field) == (4, "devices[0].colour")
    path = write(tmp_path, "d.yaml", "devices:\n  - name: p\n    kind: android\n")
    with pytest.raises(ConfigError) as info:
        load_devices(path)
    assert info.value.field == "devices[0].serial" and info.value.line == 2


def test_suite_with_missing_app_and_scenario_file(tmp_path: Path) -> None:
    path = write(tmp_path, "suite.yaml", "name: s\napps: [nowhere]\nscenarios: [a.yaml]\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert (info.value.line, info.value.field) == (2, "apps[0]")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.json").write_text("{}")
    path = write(tmp_path, "suite.yaml", "name: s\napps: [app]\nscenarios:\n  - a.yaml\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert (info.value.line, info.value.field) == (4, "scenarios[0]")


def test_the_demo_suite_loads(repo: Path) -> None:
    suite = load_suite(repo / "scenarios" / "demo" / "suite.yaml")
    assert [s.name for s in suite.scenarios] == ["first-launch", "refuse-location"]
    assert {a.name for a in suite.apps} == {"storefinder-violating", "storefinder-compliant"}
    load_devices(repo / "devices.yaml")
