# Each target calls one script, so the README's commands also work without make.
.PHONY: setup run test lint fmt typecheck check docs bench messages

setup:     ; scripts/setup.sh
run:       ; scripts/run.sh
test:      ; scripts/test.sh
lint:      ; scripts/setup.sh && scripts/lint.sh
fmt:       ; scripts/fmt.sh
typecheck: ; scripts/typecheck.sh
check:     ; scripts/test.sh
docs:      ; .venv/bin/python scripts/openapi.py
bench:     ; scripts/bench.sh
messages:  ; scripts/messages.sh
