# The README's two commands: `make demo` and `make test`. Both install what they need first.
.PHONY: setup demo test lint schema

setup:
	@scripts/setup

demo: setup
	.venv/bin/miniprobe run scenarios/demo/suite.yaml --fail-on none

test: setup
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check harness probes tests

schema: setup
	.venv/bin/miniprobe schema --out schema

# The performance measurements (bench/README.md); minutes each, not part of `make test`.
.PHONY: bench
bench: setup
	for b in analysis recorder proxy hooks harness_overhead demo; do .venv/bin/python bench/$$b.py || exit 1; done
