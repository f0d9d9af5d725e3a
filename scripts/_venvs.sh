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
# The framework tests: one venv per framework, each on that framework's newest release (looked up at
# set-up, so a new release that breaks us turns CI red) with whatever openai it allows; their pins clash
# (instructor caps jiter, which holds openai back), so one shared venv would test old releases.
# name|framework requirement|its module (must import, so its tests cannot all skip)|other packages
FRAMEWORK_LINES=(
  "fw-langchain|langchain-openai|langchain_openai|tiktoken"
  "fw-instructor|instructor|instructor|"
  "fw-pydantic-ai|pydantic-ai-slim[openai]|pydantic_ai|"
  "fw-openai-agents|openai-agents|agents|"
  # opentelemetry-util-genai 1.x dropped a module the 2.4b0 instrumentation imports, and it imports httpx
  # without declaring it (openai 3.x brings httpx2, not httpx)
  "fw-opentelemetry|opentelemetry-instrumentation-openai-v2|opentelemetry.instrumentation.openai_v2|opentelemetry-sdk opentelemetry-util-genai>=0.4b0,<1 httpx"
  "fw-llama-index|llama-index-embeddings-openai|llama_index.embeddings.openai|tiktoken"
)

tools=.venvs/tools
if [ ! -x "$tools/bin/uv" ]; then
  "$PYTHON" -m venv "$tools"
  "$tools/bin/pip" install --quiet uv
fi
uv="$tools/bin/uv"

venv_for() {  # venv_for NAME REQUIREMENT EXTRAS -> prints the venv's python
  local dir=".venvs/$1"
  [ -x "$dir/bin/python" ] || "$uv" venv --quiet --python "$PYTHON" "$dir" >&2
  # --upgrade-package: a venv set up earlier moves to the newest release the requirement allows
  VIRTUAL_ENV="$dir" "$uv" pip install --quiet --upgrade-package "${2%%[<>=!]*}" -e ".[$3]" "$2" >&2 || return 1
  echo "$dir/bin/python"
}

venv_with() {  # venv_with NAME REQUIREMENT... -> a venv of only those packages (not this one); its python
  local dir=".venvs/$1"
  shift
  [ -x "$dir/bin/python" ] || "$uv" venv --quiet --python "$PYTHON" "$dir" >&2
  VIRTUAL_ENV="$dir" "$uv" pip install --quiet --upgrade "$@" >&2 || return 1  # newest releases, always
  echo "$dir/bin/python"
}

newest_release() {  # newest_release REQUIREMENT -> REQUIREMENT pinned to the newest release for $PYTHON
  local version
  version=$(echo "$1" | "$uv" pip compile - --no-deps --no-header --quiet --python "$PYTHON" \
    --prerelease if-necessary | sed -n 's/^[^ #].*==//p') || return 1
  [ -n "$version" ] || { echo "no release of $1 found" >&2; return 1; }
  echo "$1==$version"
}

framework_venv() {  # framework_venv NAME FRAMEWORK OTHERS -> the framework's venv's python
  local dir=".venvs/$1" pinned others
  pinned=$(newest_release "$2") || return 1
  read -ra others <<<"$3"
  [ -x "$dir/bin/python" ] || "$uv" venv --quiet --python "$PYTHON" "$dir" >&2
  VIRTUAL_ENV="$dir" "$uv" pip install --quiet -e ".[test]" "$pinned" "${others[@]}" >&2 || return 1
  echo "$dir/bin/python"
}
