"""``python -m openai_vertex.cli``: the ``openai-vertex`` command without its console script."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
