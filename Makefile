# eventx: make setup demo (install + run on seeds/), make test (the test suite)
PY ?= python3
IN ?= seeds
OUT ?= out/events.jsonl
FORMAT ?=
PUBLISHED ?=

.PHONY: setup demo test test-fast train eval batch bench corpus corpus-check schema clean

setup:
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"

demo:
	$(PY) -m eventx.demo seeds

test:
	$(PY) -m pytest -q

corpus:
	$(PY) -m training.annotate import ar fa
	$(PY) -m training.convert_en

corpus-check:
	$(PY) -m training.corpus check

train:
	$(PY) -m training.train --config training/config.json

eval:
	$(PY) -m training.evaluate --out training/eval.json --check-floors

# make batch IN=articles/ OUT=out/events.csv [PUBLISHED=2015-07-21] [TEXT_FIELD=body ID_FIELD=uid
#   PUBLISHED_FIELD=pub SOURCE_FIELD=site] [FORMAT=parquet] [ARGS="--restart"]; rerun after a kill to resume
batch:
	@mkdir -p $(dir $(OUT))
	$(PY) -m eventx.cli extract $(IN) -o $(OUT) $(if $(FORMAT),--format $(FORMAT),) \
		$(if $(PUBLISHED),--published $(PUBLISHED),) $(if $(TEXT_FIELD),--text-field $(TEXT_FIELD),) \
		$(if $(ID_FIELD),--id-field $(ID_FIELD),) $(if $(PUBLISHED_FIELD),--published-field $(PUBLISHED_FIELD),) \
		$(if $(SOURCE_FIELD),--source-field $(SOURCE_FIELD),) $(ARGS)

bench:
	$(PY) -m eventx.bench

schema:
	$(PY) -c "import eventx.schema as s, json, pathlib; pathlib.Path('schemas/event_record.schema.json').write_text(json.dumps(s.EventRecord.model_json_schema(), indent=1, ensure_ascii=False) + '\n')"

clean:
	rm -rf out .pytest_cache build *.egg-info
