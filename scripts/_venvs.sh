# Shared by scripts/test and scripts/bench: uv in .venvs/tools, and one venv per openai line.
# shellcheck shell=bash
PYTHON=${PYTHON:-python3}
# name|requirement|extras: the oldest supported 1.x, then the newest 1.x, 2.x and 3.x.
OPENAI_LINES=(
  "openai-1.83|openai==1.83.0|test"
  "openai-1|openai>=1.83,<2|test"
  "openai-2|openai>=2,<3|test"
  "openai-3|openai>=3,<4|test"
)
# The framework tests (langchain, instructor, pydantic-ai, openai-agents, OpenTelemetry) get a venv of
# their own: the frameworks cap openai below its newest 3.x, which the lines above must test.
FRAMEWORKS_LINE="frameworks|openai>=3,<4|test,frameworks"

tools=.venvs/tools
if [ ! -x "$tools/bin/uv" ]; then
  "$PYTHON" -m venv "$tools"
  "$tools/bin/pip" install --quiet uv
fi
uv="$tools/bin/uv"

venv_for() {  # venv_for NAME REQUIREMENT EXTRAS -> prints the venv's python
  local dir=".venvs/$1"
  [ -x "$dir/bin/python" ] || "$uv" venv --quiet --python "$PYTHON" "$dir" >&2
  VIRTUAL_ENV="$dir" "$uv" pip install --quiet -e ".[$3]" "$2" >&2 || return 1
  echo "$dir/bin/python"
}

venv_with() {  # venv_with NAME REQUIREMENT... -> a venv of only those packages (not this one); its python
  local dir=".venvs/$1"
  shift
  [ -x "$dir/bin/python" ] || "$uv" venv --quiet --python "$PYTHON" "$dir" >&2
  VIRTUAL_ENV="$dir" "$uv" pip install --quiet "$@" >&2 || return 1
  echo "$dir/bin/python"
}
