"""cnnlab/ui/components.py: every component's script and style are files Streamlit serves
(fetched once a page), never text inside the elements sent with each update."""

from __future__ import annotations

import re

from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

from apptools import new_app
from cnnlab.mosaic import HIGHLIGHT
from cnnlab.ui import components
from cnnlab.ui.components import ASSETS, HELPERS, inline_script, serve_assets

MODULES = sorted(p.name for p in ASSETS.glob("*.js") if p.name != "shared.js")


def _check_elements(at) -> set[str]:
    """Every component element of the run refers to its files and carries no script or
    style text; returns the component names seen."""
    names = set()
    for element in at.get("bidi_component"):
        proto = element.proto
        names.add(proto.component_name)
        assert proto.js_content == "" and proto.css_content == "", proto.component_name
        assert proto.component_name.startswith("cnnlab.")
        assert (ASSETS / proto.js_source_path).is_file(), proto.js_source_path
        assert proto.css_source_path == "" or (ASSETS / proto.css_source_path).is_file()
    return names


def test_no_component_element_carries_its_script_or_style():
    at = new_app()
    at.run()
    assert not at.exception
    names = _check_elements(at)
    assert {"cnnlab.heatmap", "cnnlab.overview", "cnnlab.focus", "cnnlab.phone_sidebar"} <= names
    # a second run (an update) and a fresh AppTest (a new Streamlit runtime with its own
    # registry of components) send them by name too
    at.number_input(key="seed").set_value(5).run()
    _check_elements(at)
    names = _check_elements(new_app({"pick": "draw", "slide": "true"}).run())
    assert {"cnnlab.window_player", "cnnlab.drawpad"} <= names, names


def test_the_component_files_are_declared_to_streamlit_as_a_manifest_declares_them():
    manager = BidiComponentManager()
    assert serve_assets("heatmap", manager)
    assert manager.get_component_path("cnnlab.heatmap") == str(ASSETS.resolve())
    # an installed cnnlab found by Streamlit's scan can name another copy's files: ours win
    other = ASSETS.parent.parent / "data"
    manager.register_from_manifest(
        ComponentManifest(name="cnnlab", version="0", components=[ComponentConfig(name="overview", asset_dir="data")]),
        ASSETS.parent.parent)
    assert manager.get_component_path("cnnlab.overview") == str(other.resolve())
    assert serve_assets("overview", manager)
    assert manager.get_component_path("cnnlab.overview") == str(ASSETS.resolve())


def test_each_module_imports_only_helpers_that_exist_and_its_inline_form_defines_them():
    assert {"bytes", "floats", "mount", "textDiv", "formatNumber"} <= set(HELPERS)
    for module in MODULES:
        text = (ASSETS / module).read_text(encoding="utf-8")
        assert "export default function" in text, module
        for imported in re.findall(r'^import \{([^}]*)\} from "\./shared\.js";', text, re.M):
            names = [n.strip() for n in imported.split(",")]
            assert set(names) <= set(HELPERS), module
            # every helper it calls is imported, and none it does not call
            assert set(names) == {n for n in HELPERS if re.search(rf"\b{n}\(", text)}, module
        inline = inline_script(module)
        assert "import " not in inline and "export function" not in inline and "\n//" not in inline
        for name in components._calls(inline):
            assert re.search(rf"^function {name}\(", inline, re.M), (module, name)


def test_the_overview_style_uses_the_highlight_colour():
    css = (ASSETS / "overview.css").read_text(encoding="utf-8")
    assert css.count(HIGHLIGHT) == 2
