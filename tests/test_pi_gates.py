"""The recognisers' gates and the scanner's shortcuts change speed, never results: every sample of the
labelled corpus, and larger bodies built from its values, scan to the very same matches with the
gates switched off (each recogniser run on every group)."""

import base64
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.pi import core
from harness.pi.measure import Sample, load_corpus, scan_sample
from harness.pi.scan import find_pi, find_pi_in_http, find_pi_in_value
from harness.timeline import PIMatch

CORPUS = load_corpus([Path(__file__).parent / "pi_corpus"])
CANARIES = {"phone": "13812345678", "name": "张三丰", "idcard": "110101199003074514"}


@pytest.fixture
def ungated() -> Iterator[None]:
    """Every recogniser on every group, as before the gates."""
    saved = dict(core.GATES)
    core.GATES.update(dict.fromkeys(saved))
    _clear_caches()
    try:
        yield
    finally:
        core.GATES.update(saved)
        _clear_caches()


def _clear_caches() -> None:
    for cached in (core.key_gated, core.keys_gated, core.registry):
        cached.cache_clear()


def _bodies(seed: int) -> list[bytes]:
    """JSON bodies made of the corpus's values under its keys: siblings, lists, nesting, repeats."""
    r = random.Random(seed)
    values = [(s.key, s.carrier) for s in CORPUS if s.kind == "value"]
    texts = [s.carrier for s in CORPUS if s.kind == "text"]
    bodies = []
    for _ in range(40):
        objects = []
        for _ in range(r.randrange(1, 12)):
            item: dict[str, object] = {}
            for _ in range(r.randrange(1, 8)):
                key, value = r.choice(values)
                item[key or r.choice(["data", "v", "list"])] = value if r.random() < 0.85 else r.choice(texts)
            objects.append(item)
        bodies.append(json.dumps({"code": 0, "data": {"list": objects * r.choice([1, 1, 3])}},
                                 ensure_ascii=False).encode())
    return bodies


def _scan_all() -> list[list[PIMatch]]:
    results = []
    for sample in CORPUS:
        results.append(scan_sample(sample))
        results.append(_with_canaries(sample))
    for body in _bodies(7):
        results.append(find_pi_in_http("https://a.example.cn/face/verify", {}, body, "application/json",
                                       "response", CANARIES))
        results.append(find_pi(base64.b64encode(body).decode(), "text"))
    return results


def _with_canaries(sample: Sample) -> list[PIMatch]:
    if sample.kind == "value":
        value = {sample.key: sample.carrier} if sample.key is not None else sample.carrier
        return find_pi_in_value(value, "value", CANARIES)
    if sample.kind == "text":
        return find_pi(str(sample.carrier), "text", CANARIES)
    return []


def test_gates_change_no_match(request: pytest.FixtureRequest) -> None:
    gated = _scan_all()
    request.getfixturevalue("ungated")
    assert core.GATES and all(gate is None for _, _, gate in core.registry())
    assert _scan_all() == gated


def test_most_recognisers_are_gated() -> None:
    """A recogniser added without a gate runs on every group of every body: say why, or give it one."""
    assert set(core.GATES) == set(core.RECOGNISERS)
    assert [name for name, gate in core.GATES.items() if gate is None] == []


def test_more_matches_than_the_limit_keep_the_first() -> None:
    """A body with more matches than MAX_MATCHES: the walk stops once they are all found, and the
    result is the first MAX_MATCHES, as when every value was visited."""
    stores = [{"name": "鲜果坊", "address": f"上海市黄浦区南京东路 {n} 号"} for n in range(1, 1500)]
    body = json.dumps({"stores": stores}, ensure_ascii=False).encode()
    found = find_pi_in_http("", {}, body, "application/json", "response")
    assert len(found) == core.MAX_MATCHES
    assert found[-1].location == f"response.body.json:$.stores[{core.MAX_MATCHES - 1}].address"
