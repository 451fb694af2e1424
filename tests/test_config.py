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


def test_returning_user_carries_consent_and_scopes_into_the_sim_host(tmp_path: Path) -> None:
    from harness.session import returning_user_memory

    path = write(tmp_path, "s.yaml", "name: x\nreturning_user:\n  scopes: {scope.userLocation: deny}\nsteps:\n  - launch\n")
    scenario = load_suite(path).scenarios[0]
    assert returning_user_memory(scenario) == {"privacy_agreed": True, "grants": {"scope.userLocation": False}}
    first_time = load_suite(write(tmp_path, "f.yaml", "name: f\nsteps:\n  - launch\n")).scenarios[0]
    assert returning_user_memory(first_time) == {}  # the default: consent and scopes reset
    from harness.config import SimProfile
    from harness.drivers.sim import SimHost

    # the host's side of these flags: tests/test_sim_host.py test_a_returning_user_keeps_consent_and_grants
    host = SimHost(tmp_path, SimProfile(), tmp_path, **returning_user_memory(scenario))  # built, not started
    argv = host.process.argv
    assert "--privacy-agreed" in argv and argv[argv.index("--grant") + 1] == "scope.userLocation=deny"


def test_returning_user_scope_names_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: x\nreturning_user:\n  scopes: {location: allow}\nsteps:\n  - launch\n")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    assert info.value.line == 3 and "returning_user.scopes" in info.value.field and "not a scope name" in str(info.value)
