# make run  - set everything up, then start the web chat on http://127.0.0.1:7860
# make test - set everything up, then run every test and the eval regression gate
# make bench - index build time, cold ask, warm p50/p95 latency and peak RSS; notices add, memory and first answer at 1/10/50 notices
# make load - start the app on a free loopback port and drive N concurrent users through /ask (N=50; make load N=200),
#             first alone, then beside ABUSERS=4 clients sending the largest allowed inputs (p95 with vs without)
PY := .venv/bin/python
STAMP := .venv/.installed
N ?= 50
ABUSERS ?= 4

.PHONY: install run test check eval load bench clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned: its CPU wheel is on disk here; plain torch pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) app.py ingest
	$(PY) app.py

test: install
	$(PY) -m pytest -q
	$(PY) -m eval --check --out eval/out
	$(PY) -m eval.gates

check: install
	$(PY) -m ruff check .

eval: install
	$(PY) -m eval --compare naive --out eval/out

load: install
	$(PY) app.py ingest
	$(PY) scripts/load.py --users $(N) --abusers $(ABUSERS) --compare

bench: install
	$(PY) scripts/bench.py
	$(PY) scripts/bench_library.py

clean:
	rm -rf data eval/out artifacts
