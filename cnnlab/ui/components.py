"""The app's Streamlit custom components (v2): each is a JS module (and a style sheet) in
`assets/`, whose helpers come from `assets/shared.js` by an `import`.

Streamlit puts an inline component script (and style) into every update of every instance
of it; a file-backed one it names by URL only, and the browser fetches the file once a
page (`/_stcore/bidi-components/cnnlab.<name>/<file>`, from this folder's `assets/`).
Streamlit serves files only for a component declared with an `asset_dir` in an installed
package's manifest (`[tool.streamlit.component]` in its pyproject.toml, found when the
server starts). The app runs from a plain clone that is not installed (Streamlit
Community Cloud installs requirements.txt, not the repository), so each component is
declared here to the running server the way Streamlit declares a manifest's component:
name `cnnlab.<name>`, asset directory `assets/`. Should that fail (another Streamlit
than the pinned one), the component is sent inline as before: its module after the
helpers it calls, without comment lines."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import streamlit as st

HERE = Path(__file__).parent
ASSETS = HERE / "assets"
ASSETS_RESOLVED = ASSETS.resolve()  # compared on every mount: resolved once
PACKAGE = HERE.parent  # the asset directory is given relative to the package, as in a manifest
PROJECT = "cnnlab"
_LOG = logging.getLogger(__name__)
_WARNED: set[str] = set()

# shared.js's helpers by name, each block its comment and its function, in file order
HELPERS = {match.group(1): block
           for block in (ASSETS / "shared.js").read_text(encoding="utf-8").split("\n\n")
           if (match := re.match(r"(?:\s*//[^\n]*\n)*export function (\w+)\(", block))}
IMPORT_SHARED = re.compile(r'^import \{[^}]*\} from "\./shared\.js";\n', re.M)


def _calls(text: str) -> list[str]:
    """The helpers `text` calls, directly or through other helpers, in file order."""
    found, todo = set(), [text]
    while todo:
        code = todo.pop()
        for name, block in HELPERS.items():
            if name not in found and re.search(rf"\b{name}\(", code):
                found.add(name)
                todo.append(block)
    return [name for name in HELPERS if name in found]


def _without_comment_lines(js: str) -> str:
    return "\n".join(line for line in js.splitlines() if not line.lstrip().startswith("//"))


def inline_script(file: str) -> str:
    """The module `assets/<file>` as one script, for when it cannot be served: the helpers
    it calls (no longer exported) and then the module without its import of them, no
    comment lines."""
    own = IMPORT_SHARED.sub("", (ASSETS / file).read_text(encoding="utf-8"))
    helpers = [HELPERS[name].replace("export function ", "function ", 1) for name in _calls(own)]
    return _without_comment_lines("\n\n".join([*helpers, own]))


def serve_assets(name: str, manager: Any = None) -> bool:
    """Declare component `cnnlab.<name>` with asset directory `assets/` to the running
    Streamlit's component manager (or `manager`) unless it has it already (an installed
    cnnlab's manifest may name another copy's), as Streamlit's manifest scan declares an
    installed package's component; True if Streamlit will serve its files."""
    try:
        from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager
        from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

        manager = manager or get_bidi_component_manager()
        key = f"{PROJECT}.{name}"
        if manager.get_component_asset_root(key) != ASSETS_RESOLVED:
            config = ComponentConfig(name=name, asset_dir=ASSETS.relative_to(PACKAGE).as_posix())
            manager.register_from_manifest(ComponentManifest(name=PROJECT, version="0", components=[config]),
                                           PACKAGE)
        return manager.get_component_asset_root(key) == ASSETS_RESOLVED
    except Exception as error:  # noqa: BLE001 - any failure means: send the script inline
        if name not in _WARNED:
            _WARNED.add(name)
            _LOG.warning("cnnlab: component %s is sent inline (its files cannot be served: %r)", name, error)
        return False


class Component:
    """Component `cnnlab.<name>`: module `assets/<js>`, style sheet `assets/<css>` (if
    any), markup `html`. Calling it mounts one instance (the arguments of Streamlit's
    component callable: key, data, default, width, height, on_<state>_change)."""

    def __init__(self, name: str, js: str, css: str | None = None, html: str | None = None) -> None:
        self.name, self.js, self.css, self.html = name, js, css, html
        self._mount = None
        self.files = True  # whether its files are served (else it is sent inline)

    def __call__(self, **kwargs: Any) -> Any:
        # Each Streamlit runtime (the server, or each AppTest) has its own registry of
        # components: declare the files to the current one before mounting.
        files = serve_assets(self.name)
        if self._mount is None or files != self.files:
            self.files = files
            key = f"{PROJECT}.{self.name}"
            if files:
                self._mount = st.components.v2.component(key, js=self.js, css=self.css, html=self.html)
            else:
                css = (ASSETS / self.css).read_text(encoding="utf-8") if self.css else None
                self._mount = st.components.v2.component(key, js=inline_script(self.js), css=css,
                                                         html=self.html)
        return self._mount(**kwargs)


def component(name: str, js: str, css: str | None = None, html: str | None = None) -> Component:
    """Component `cnnlab.<name>` of module `assets/<js>`, style sheet `assets/<css>`,
    markup `html` (registered with Streamlit when first mounted)."""
    return Component(name, js, css, html)
