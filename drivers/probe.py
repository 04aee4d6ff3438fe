"""First contact with an unknown unit: who is it, which firmware, which driver profile.

A probe reads only what a device shows *without a login* (its login page, its public
scripts, an unauthenticated challenge, a CLI banner) and never sends a password: a
wrong guess must cost no attempt on a unit with a lockout counter. Each family offers
one `probe(session, host, port, timeout_s)` in `drivers/<family>/probe.py` that answers
a `Fingerprint` when the answers are its own, or None when they are not.

`cpe probe` (cpe/probe.py) asks every family in `PROBES` order and reports the first
fingerprint; the drivers pick their firmware profile from the same answers, so what the
probe says is what the driver will do.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning
from bs4.filter import SoupStrainer

__all__ = ["PROBES", "Fingerprint", "ProbeFn", "page_title", "probe_fn"]

# A unit may answer `GET /` with XML; it is read as HTML on purpose (only a <title> counts).
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
#: A login page's <title> sits in its head; a bigger answer is not scanned further.
_TITLE_SCAN_CHARS = 65536


@dataclass(frozen=True)
class Fingerprint:
    family: str
    #: Registry key the answers point to ("mercusys-ac12g"); None when they name no model
    #: we know.
    model_key: str | None
    #: What the device calls itself, as it says it (data: print with markup off).
    model_name: str | None = None
    firmware: str | None = None
    hardware: str | None = None
    #: The driver profile that would be used; None when no profile knows this variant.
    profile: str | None = None
    #: Variant facts seen (cipher, challenge layout, stack numbering...).
    details: dict[str, Any] = field(default_factory=dict)
    #: The unauthenticated requests made and what answered, one line each (no secrets).
    evidence: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        return self.model_key is not None and self.profile is not None


#: probe(session, host, port, timeout_s) -> Fingerprint | None
ProbeFn = Callable[[Any, str, int, float], "Fingerprint | None"]

#: Family → "module:function", in the order `cpe probe` asks them. Cheap, distinctive
#: answers first; each probe must return None quickly on another family's answers.
PROBES: dict[str, str] = {
    "zyxel": "drivers.zyxel.probe:probe",
    "tplink": "drivers.tplink.probe:probe",
    "mercusys": "drivers.mercusys.probe:probe",
    "zte": "drivers.zte.probe:probe",
    "fiberhome": "drivers.fiberhome.probe:probe",
}


def probe_fn(family: str) -> ProbeFn | None:
    """The family's probe, or None when that family has none yet (import fails)."""
    module_name, _, attr = PROBES[family].partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None
    return fn  # type: ignore[no-any-return]


def page_title(page: str) -> str | None:
    """The first <title> of a page as a browser shows it (entities decoded, whitespace
    collapsed); None when there is none. Parsed by BeautifulSoup, not a regex: attributes
    on the tag, a <title> in a comment or a script string, stray '<' are what real login
    pages carry, and a regex reads them wrong."""
    if "<" not in page:
        return None
    strainer = SoupStrainer("title")
    soup = BeautifulSoup(page[:_TITLE_SCAN_CHARS], "html.parser", parse_only=strainer)
    tag = soup.find("title")
    text = " ".join(tag.get_text(" ").split()) if isinstance(tag, Tag) else ""
    return text or None
