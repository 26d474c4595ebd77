"""cnnlab: `streamlit run app.py`. Wires the sidebar controls to the engine and the views."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnlab.kernel_edits import format_edits
from cnnlab.presets import format_stack, parse_stack
from cnnlab.statistics import network_statistics
from cnnlab.ui import attribution, component_state, compute, input_image, inspector, kernel_editor, learn, maps, network, overview, phone, trained
from cnnlab.ui import classroom, compare, lesson, questions
from cnnlab.ui import display as display_settings
from cnnlab.ui.i18n import TAB_WORDS, Text, browser_language
from cnnlab.ui.page import Settings, page_icon
from cnnlab.ui.params import DEFAULT_NET, LEGACY, VIEWS, legacy_network, url_problems


component_state.install()  # the browser's component messages are checked before Streamlit reads them


def open_url() -> list[tuple[str, str, object]]:
    """Check the URL as first opened, before any widget reads it: refused values are taken
    out, an old link's first-block keys and `more=` become one `net=`, and a `net=` is
    written as the grammar writes it (`conv-16-5X5` -> `conv-16-5x5`). Returns the refused
    values (key, raw value, value used)."""
    query = {k: st.query_params.get_all(k) for k in st.query_params}
    problems = url_problems(query)
    refused = {key for key, _, _ in problems}
    net, more_problems = legacy_network({k: v for k, v in query.items() if k not in refused})
    dropped = refused | ({key for key in query if key in LEGACY} if net is not None or "net" in query else set())
    if "net" in query and "net" not in refused and format_stack(parse_stack(query["net"][0])) != query["net"][0]:
        net, dropped = format_stack(parse_stack(query["net"][0])), dropped | {"net"}
    rewrite_url(dropped, {"net": net} if net is not None and net != DEFAULT_NET else {})
    return problems + more_problems


def rewrite_url(dropped: set[str], values: dict[str, str]) -> None:
    """Take `dropped` keys out of the URL and set `values`. A widget is seeded from the
    URL as first opened (Streamlit keeps it apart as the initial query parameters), so
    that copy is reset from the new URL too."""
    if not dropped and not values:
        return
    for key in dropped:
        del st.query_params[key]
    for key, value in values.items():
        st.query_params[key] = value
    ctx = get_script_run_ctx()
    if ctx is not None:
        with ctx.session_state.query_params() as params:
            params.set_initial_query_params_from_current()


def main() -> None:
    st.set_page_config(page_title="cnnlab", page_icon=page_icon(), layout="wide")
    if "url_problems" not in st.session_state:
        st.session_state.url_problems = open_url()

    with st.sidebar:
        tx = Text(display_settings.language_control(browser_language(st.context.locale)))
        lesson.open_lesson(tx)
        classroom.class_mode(tx)
        choice = input_image.input_controls(tx, compute.dataset())
        network_box = st.container()  # drawn by the workspace
        inspector_box = st.container()  # drawn by the workspace: it needs the layers' shapes
        epochs, train_images, shown_epoch = trained.training_controls(tx)
        display = display_settings.display_controls(tx)

    st.title(tx("app.title"))
    st.markdown(tx("app.intro"))
    classroom.note_view(tx)
    if st.session_state.url_problems:
        maps.url_notice_view(tx, st.session_state.url_problems)
    if choice.problem:
        st.error(choice.problem, icon=":material/broken_image:")
    if choice.note:
        st.info(choice.note, icon=":material/draw:")
    step = lesson.lesson_panel(tx)
    workspace(Settings(tx, choice, epochs, train_images, shown_epoch, display, step), network_box, inspector_box)


@st.fragment
def workspace(settings: Settings, network_box: DeltaGenerator, inspector_box: DeltaGenerator) -> None:
    """The network editor, the inspector and every tab. A fragment: changing one of its
    controls (the ones explored most) reruns only this part, so the browser redraws only
    this part; the other controls change it through a full rerun."""
    tx, choice, display = settings.tx, settings.choice, settings.display
    if component_state.take_refused():
        st.warning(tx("component.refused"), icon=":material/block:")
    with network_box:
        specs, seed, stack_error = network.network_editor(tx)
        edits = kernel_editor.edits_control(tx)
    if stack_error:
        st.error(tx("net.error", message=stack_error), icon=":material/error:")
    at_epoch = trained.trained_params(specs, seed, settings.epochs, settings.train_images, settings.shown_epoch)
    stages = stages_of(choice, specs, seed, edits, at_epoch)
    with inspector_box:
        pixel, notes = inspector.inspector_controls(tx, stages)
    for note in notes:
        st.info(note)
    if settings.lesson is not None:
        lesson.step_body(tx, settings.lesson, stages)
    kernel_editor.ignored_notice(tx, stages, len(specs))
    trained.prediction_line(tx, stages, specs, seed, settings.epochs, settings.train_images,
                            settings.shown_epoch)
    statistics = network_statistics([s.spec for s in stages[1:] if s.error is None], stages[0].shape)
    overview.overview(tx, stages, statistics[0], pixel.layer if pixel else None, display)
    labels = [tx(TAB_WORDS[code]) for code in VIEWS]
    open_tab_from_url(labels)
    maps_tab, inspect_tab, trained_tab, learn_tab, quiz_tab, compare_tab = st.tabs(labels, key="view", on_change=tab_changed, args=(labels,))
    needed = pixel is not None and (maps_tab.open or inspect_tab.open)
    inspected = inspector.Inspected.of(stages, specs, pixel) if needed else None
    manifest = {"link": f"{st.context.url}?{urlencode(st.query_params.to_dict())}",
                "net": format_stack(specs), "seed": seed, "kernels": format_edits(edits),
                "settings": st.query_params.to_dict(), "shapes": [list(s.shape) for s in stages if s.error is None]}
    if maps_tab.open:
        with maps_tab:
            maps.maps_view(tx, stages, statistics, display, seed, inspected, manifest)
    if inspect_tab.open:
        with inspect_tab:
            if inspected is None:
                maps.stage_error_view(tx, stages[1])
            else:
                inspector.inspector_view(tx, stages, inspected, display)
                layer = inspected.pixel.layer
                kernel_editor.kernel_editor(tx, stages[layer], stages[layer - 1].shape[0], inspected.pixel.map, seed)
                attribution.inspect_saliency(tx, stages, specs, seed, settings.epochs, settings.train_images,
                                             settings.shown_epoch)
    if trained_tab.open:
        with trained_tab:
            untrained = stages if at_epoch is None else stages_of(choice, specs, seed, edits, None)
            shown = stages_of(choice, specs, seed, (), at_epoch)  # the trained network as trained (cached)
            trained.trained_panel(tx, untrained, shown, specs, seed, settings.epochs, settings.train_images,
                                  display, settings.shown_epoch, {**manifest, "kernels": ""})
    if learn_tab.open:
        with learn_tab:
            learn.learn_view(tx)
    if quiz_tab.open:
        with quiz_tab:
            questions.questions_view(tx, stages)
    if compare_tab.open:
        with compare_tab:
            compare.compare_view(tx, stages, choice, display)
    # not the drawing or the image source: a phone keeps the sidebar open while one draws
    phone.close_sidebar_after_a_change(repr((specs, seed, edits, choice.index, display, settings.epochs,
                                             settings.shown_epoch)))


def open_tab_from_url(labels: list[str]) -> None:
    """The tab the link names (?view=learn), by code so a link means the same in every
    language; a tab label from the other language (the language was switched) is carried over."""
    if "view-opened" not in st.session_state:
        st.session_state["view-opened"] = True
        code = st.query_params.get("view")
        if code in VIEWS:
            st.session_state["view"] = labels[VIEWS.index(code)]
    shown = st.session_state.get("view")
    if shown is not None and shown not in labels:
        for lang in ("en", "ja"):
            other = [Text(lang)(f"tab.{code}") for code in VIEWS]
            if shown in other:
                st.session_state["view"] = labels[other.index(shown)]


def tab_changed(labels: list[str]) -> None:
    """The open tab into the URL by its code (the default, maps, leaves the URL)."""
    code = VIEWS[labels.index(st.session_state["view"])]
    if code == "maps":
        st.query_params.pop("view", None)
    else:
        st.query_params["view"] = code


def stages_of(choice: input_image.InputChoice, specs: tuple, seed: int, edits: tuple, at_epoch) -> list:
    """Every stage of the chosen input through the network: fresh weights of `seed`, or a
    finished training's after an epoch (`at_epoch`), with the hand-edited kernel cells."""
    if choice.image is not None:
        return compute.compute_image(choice.image, specs, seed, edits, at_epoch)
    return compute.compute(choice.index, specs, seed, edits, at_epoch)


main()
