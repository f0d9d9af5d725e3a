"""Vertex locations: which names exist, and the host that serves each one.

Source for the list and the hosts: Vertex AI "Generative AI locations" page
(https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations, tables "Global endpoint",
"Multi-region endpoints" and the regional Gemini table). google-genai uses the same multi-region hosts
(``_MULTI_REGIONAL_LOCATIONS = {'us', 'eu'}`` -> ``aiplatform.{loc}.rep.googleapis.com``).

A typo such as ``us-centrall`` would otherwise become the host ``us-centrall-aiplatform.googleapis.com``
and end in a bare "Connection error." after the SDK's retries; checking the name first gives the
closest known names instead. Regions opened after this list was written are accepted through
``OPENAI_VERTEX_EXTRA_LOCATIONS`` (comma-separated) until the list catches up.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from .exceptions import ConfigurationError

__all__ = ["EXTRA_LOCATIONS_VAR", "KNOWN_LOCATIONS", "MULTI_REGIONS", "check_location", "vertex_host"]

EXTRA_LOCATIONS_VAR = "OPENAI_VERTEX_EXTRA_LOCATIONS"

# Multi-region endpoints have their own hosts, not "{loc}-aiplatform.googleapis.com".
MULTI_REGIONS = {"us": "aiplatform.us.rep.googleapis.com", "eu": "aiplatform.eu.rep.googleapis.com"}

_REGIONS = (
    # United States
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west4",
    # Canada, South America
    "northamerica-northeast1", "southamerica-east1",
    # Europe
    "europe-central2", "europe-north1", "europe-southwest1", "europe-west1", "europe-west2",
    "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9",
    # Asia Pacific
    "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast3", "asia-south1",
    "asia-southeast1", "australia-southeast1",
    # Middle East
    "me-central1", "me-central2", "me-west1",
)  # fmt: skip
KNOWN_LOCATIONS = frozenset(("global", *MULTI_REGIONS, *_REGIONS))


def vertex_host(location: str) -> str:
    """The host Google documents for ``location`` (global, multi-region, or regional)."""
    if location == "global":
        return "aiplatform.googleapis.com"
    return MULTI_REGIONS.get(location) or f"{location}-aiplatform.googleapis.com"


def check_location(location: str, where: str, env: Mapping[str, str]) -> None:
    """Raise ConfigurationError for a location Vertex does not list (unless named as an extra one)."""
    extra = {name.strip() for name in env.get(EXTRA_LOCATIONS_VAR, "").split(",") if name.strip()}
    if location in KNOWN_LOCATIONS or location in extra:
        return
    close = difflib.get_close_matches(location, sorted(KNOWN_LOCATIONS), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(name) for name in close)}? " if close else ""
    hint = hint or "it is not in Google's list. "
    raise ConfigurationError(
        f"{where}={location!r} is not a Vertex location; {hint}Use 'global', a multi-region ('us', "
        f"'eu') or a region such as 'us-central1'. For a region newer than openai-vertex's list, add "
        f"it to {EXTRA_LOCATIONS_VAR} (e.g. {EXTRA_LOCATIONS_VAR}={location})."
    )
