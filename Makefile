# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-test samples templates clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# An editable install leaves xlsproc's own modules uncompiled (and PYTHONDONTWRITEBYTECODE may
# keep Python from caching them): compile them as a regular install would, once.
install: $(BIN)/python
	$(BIN)/pip install -q -e '.[web]'
	$(BIN)/python -m compileall -q xlsproc

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,web]'
	$(BIN)/python -m compileall -q xlsproc

demo: install
	@echo "== xlsproc check：种子样例（洪山区团委 2024）=="
	$(BIN)/xlsproc check samples/洪山区团委_2024_部门整体.xlsx
	@echo
	@echo "== xlsproc process：批注 samples/ 下全部工作簿（含 bad/ 中的坏文件）→ out/ =="
	@$(BIN)/xlsproc process samples -o out --consolidate out/全区绩效自评汇总.xlsx \
		|| echo "（退出码 1 是因为 samples/bad/ 中故意放入了坏文件，见上方隔离清单。）"
	@echo
	@echo "打开 out/ 中的批注副本查看“审核结果”和“自评报告”两张表；out/results.json 为机器可读结果；"
	@echo "out/全区绩效自评汇总.xlsx 为全区汇总（汇总、项目、指标明细、问题清单、图表）。"

templates: install
	$(BIN)/python -m xlsproc.write.template templates

test: install-test
	$(BIN)/python -m pytest -q

samples: install-test
	$(BIN)/python samples/make_samples.py

clean:
	rm -rf $(VENV) out .pytest_cache
