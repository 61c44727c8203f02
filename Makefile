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
	@echo "== xlsproc check：种子样例（洪山区团委 2024）=="
	$(BIN)/xlsproc check samples/洪山区团委_2024_部门整体.xlsx
	@echo
	@echo "== xlsproc process：批注 samples/ 下全部工作簿（含 bad/ 中的坏文件）→ out/ =="
	-$(BIN)/xlsproc process samples -o out
	@echo
	@echo "打开 out/ 中的批注副本查看“审核结果”和“自评报告”两张表；out/results.json 为机器可读结果。"

test: install-test
	$(BIN)/python -m pytest -q

samples: install-test
	$(BIN)/python samples/make_samples.py

clean:
	rm -rf $(VENV) out .pytest_cache
