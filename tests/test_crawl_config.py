"""The scenario steps `crawl` and `switch`: their argument forms and errors naming the file, the line and the field."""

from pathlib import Path

import pytest

from harness.config import ConfigError, load_suite


def steps_of(tmp_path: Path, step: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\nsteps:\n  - launch\n{step}", encoding="utf-8")
    return path


def test_bare_crawl_takes_the_defaults(tmp_path: Path) -> None:
    step = load_suite(steps_of(tmp_path, "  - crawl\n")).scenarios[0].steps[1]
    assert step.action == "crawl"
    assert step.arg == {"from": None, "depth": 4, "screens": 40, "seconds": 120.0}


def test_crawl_with_from_and_budgets(tmp_path: Path) -> None:
    step = load_suite(steps_of(tmp_path, "  - crawl: {from: 我的, depth: 5, screens: 20, seconds: 60}\n")).scenarios[0].steps[1]
    assert step.arg == {"from": "我的", "depth": 5, "screens": 20, "seconds": 60.0}


@pytest.mark.parametrize(("step", "field", "words"), [
    ("  - crawl: {depth: 6}\n", "steps[1].crawl.depth", "from 1 to 5"),
    ("  - crawl: {depth: two}\n", "steps[1].crawl.depth", "from 1 to 5"),
    ("  - crawl: {from: ''}\n", "steps[1].crawl.from", "visible text"),
    ("  - crawl: {screens: 0}\n", "steps[1].crawl.screens", "most screens"),
    ("  - crawl: {seconds: -1}\n", "steps[1].crawl.seconds", "time budget"),
    ("  - crawl: {deep: 3}\n", "steps[1].crawl", "crawl takes nothing or"),
    ("  - crawl: 我的\n", "steps[1].crawl", "crawl takes nothing or"),
])
def test_bad_crawl_arguments_name_line_and_field(tmp_path: Path, step: str, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_suite(steps_of(tmp_path, step))
    assert (info.value.line, info.value.field) == (4, field)
    assert words in info.value.message


def test_switch_takes_the_text_beside_it_and_on_or_off(tmp_path: Path) -> None:
    step = load_suite(steps_of(tmp_path, "  - switch: {个性化推荐: off, 消息通知: on}\n")).scenarios[0].steps[1]
    assert (step.action, step.arg) == ("switch", {"个性化推荐": False, "消息通知": True})
    for bad in ("  - switch: 个性化推荐\n", "  - switch: {个性化推荐: maybe}\n", "  - switch: {}\n"):
        with pytest.raises(ConfigError) as info:
            load_suite(steps_of(tmp_path, bad))
        assert (info.value.line, info.value.field) == (4, "steps[1].switch")
        assert "switch takes {<text beside the switch>: on|off" in info.value.message
