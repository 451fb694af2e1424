"""The labelled recogniser corpus: its size and hard negatives, deterministic regeneration, the
quality gate (high-confidence precision >= 0.99, recall >= 0.95 per recogniser), and masking."""

import json
from pathlib import Path

import pytest

from harness.pi.corpus_gen import OUT, generate, render
from harness.pi.measure import (
    HIGH_PRECISION_TARGET,
    RECALL_TARGET,
    CorpusError,
    load_corpus,
    measure,
    scan_sample,
)

CORPUS = Path(__file__).parent / "pi_corpus"


def test_generated_corpus_is_checked_in_and_regenerates_identically() -> None:
    assert OUT == CORPUS / "generated.jsonl"
    assert render(generate()) == OUT.read_text(encoding="utf-8"), (
        "tests/pi_corpus/generated.jsonl is stale: run .venv/bin/python -m harness.pi.corpus_gen and commit it"
    )


def test_corpus_size_and_hard_negatives() -> None:
    samples = load_corpus([CORPUS])
    positives = [s for s in samples if s.expect]
    negatives = [s for s in samples if not s.expect]
    assert len(positives) >= 500 and len(negatives) >= 2000
    tags = {t for s in negatives for t in s.tags}
    for hard in ("ms-timestamp", "order-number", "digest", "asset-2x", "luhn-no-hint", "uuid", "version", "price",
                 "coordinate-out-of-range", "id-like-bad-check"):
        assert hard in tags, hard
    realistic = [s for s in samples if "realistic" in s.tags]
    assert len(realistic) >= 50 and {s.kind for s in realistic} == {"value", "text", "http"}
    assert len({s.id for s in samples}) == len(samples)


def test_every_recogniser_meets_the_targets_on_the_corpus() -> None:
    result = measure(load_corpus([CORPUS]))
    from harness.pi.core import PI_TYPES

    measured = {t for t, r in result.types.items() if r.any.tp}
    assert set(PI_TYPES) - {"clipboard", "canary"} <= measured  # every type has positives
    for pi_type, r in result.types.items():
        assert r.high.precision is None or r.high.precision >= HIGH_PRECISION_TARGET, (pi_type, r.high_false_positives)
        assert r.any.recall is None or r.any.recall >= RECALL_TARGET, (pi_type, r.false_negatives)
    assert result.passed


def test_no_raw_value_in_any_match() -> None:
    """Masks everywhere: no match of a positive shows the value it found (locations included)."""
    for sample in load_corpus([CORPUS]):
        if sample.kind != "value" or not isinstance(sample.carrier, str) or len(sample.carrier) < 6 or not sample.expect:
            continue
        for match in scan_sample(sample):
            shown = match.masked + " " + match.location
            assert sample.carrier not in shown, (sample.id, shown)
            compact = sample.carrier.replace(" ", "")
            assert compact not in shown.replace(" ", ""), (sample.id, shown)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not JSON"),
        ('["a"]', "a sample is a JSON object"),
        ('{"kind": "value", "expect": []}', "value: missing"),
        ('{"kind": "text", "text": "x", "expect": "phone"}', "expect: a list"),
        ('{"kind": "text", "text": "x", "expect": ["phones"]}', "unknown type(s) phones"),
    ],
)
def test_corpus_errors_name_file_line_and_field(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"kind": "text", "text": "ok", "expect": []}) + "\n" + line + "\n")
    with pytest.raises(CorpusError) as raised:
        load_corpus([path])
    assert str(raised.value).startswith(f"{path}:2: ") and problem in str(raised.value)
