# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-test samples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: install
	@echo "== xlsproc check：逐表显示执行率、得分、等级与问题 =="
	-$(BIN)/xlsproc check samples/*.xls*

test: install-test
	$(BIN)/python -m pytest -q

samples: install-test
	$(BIN)/python samples/make_samples.py

clean:
	rm -rf $(VENV) out .pytest_cache
