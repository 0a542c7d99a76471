"""Render the spread view's HTML: our template, vis-network inlined, data as escaped JSON.

Nothing is fetched at view time: vis-network's script and CSS come from the pyvis
package and are inlined, the base map is in the data, and a Content-Security-Policy
forbids any request. Document texts enter the page only inside the JSON data block
(with ``<``, ``>`` and ``&`` escaped, so no text can close the script element) and the
page's script puts them in with ``textContent``.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = ["render", "script_json"]

VIS_VERSION = "vis-9.1.2"


def script_json(value: object) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>``, ``&`` or line separators.

    >>> script_json({"t": "</script><b>&"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@cache
def _vis(name: str) -> str:
    # find pyvis's files without importing it (its import takes a third of a second)
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        return (files("pyvis") / "lib" / VIS_VERSION / name).read_text(encoding="utf-8")
    root = Path(next(iter(spec.submodule_search_locations)))
    return (root / "lib" / VIS_VERSION / name).read_text(encoding="utf-8")


def _asset(name: str) -> str:
    return files("kg.viz").joinpath("assets", name).read_text(encoding="utf-8")


def render(data: dict[str, Any], *, title: str) -> str:
    """The whole page for ``data`` (from :func:`kg.viz.data.spread_data`)."""
    parts = {
        "@TITLE@": html.escape(title),
        "@VIS_CSS@": _vis("vis-network.css"),
        "@CSS@": _asset("spread.css"),
        "@VIS_JS@": _vis("vis-network.min.js").replace("</script", "<\\/script"),
        "@JS@": _asset("spread.js"),
        "@DATA@": script_json(data),
    }
    page = _asset("spread.html")
    # one pass, so a marker inside an inserted part is never replaced again
    return re.sub("|".join(map(re.escape, parts)), lambda m: parts[m.group(0)], page)
