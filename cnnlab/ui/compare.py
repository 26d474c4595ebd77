"""The Compare tab (A/B): the input through the page's network (A) and a second one (B,
`?net_b=`, its weights from `?seed_b=`), the maps of one layer (`?ab_layer=`) side by
side with their shapes and costs, and A - B where the shapes agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import streamlit as st

from cnnlab import heatmaps
from cnnlab.compare import compared_layer, difference
from cnnlab.explain import format_number
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage
from cnnlab.presets import StackFormatError, parse_stack
from cnnlab.statistics import network_statistics, summary
from cnnlab.ui import compute
from cnnlab.ui import widgets as w
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import Text
from cnnlab.ui.maps import cost_words
from cnnlab.ui.params import URL_PARAMS

DIFF_WIDTH = 480


def compare_view(tx: Text, a: Sequence[Stage], choice, display: Display) -> None:
    """Network B's controls, then layer `ab_layer` of A and B side by side, and A - B."""
    st.markdown(tx("ab.intro"))
    left, mid, right = st.columns([5, 2, 2], vertical_alignment="bottom")
    with left:
        text = w.text(tx, "net_b", tx("net_b.label"), lambda: URL_PARAMS["net_b"].default, help=tx("net_b.help"))
    with mid:
        seed_b = int(w.number(tx, "seed_b"))
    with right:
        asked = int(w.number(tx, "ab_layer"))
    try:
        specs_b = parse_stack(text)
    except StackFormatError as err:
        st.error(tx.stack_error(err), icon=":material/error:")
        return
    b = (compute.compute_image(choice.image, specs_b, seed_b) if choice.image is not None
         else compute.compute(choice.index, specs_b, seed_b))
    layer = compared_layer(a, b, asked)
    if layer == 0:
        st.warning(tx("ab.none"))
        return
    if layer != asked:
        st.info(tx("ab.clamped", asked=asked, layer=layer))
    sides = []
    for name, stages, column in (("A", a, None), ("B", b, None)):
        stage = stages[layer]
        costs = network_statistics([s.spec for s in stages[1:layer + 1]], stages[0].shape)[0][layer - 1].costs
        sides.append((name, stage, costs))
    columns = st.columns(2)
    for column, (name, stage, costs) in zip(columns, sides):
        with column:
            st.subheader(tx("ab.side", side=name, kind=stage.spec.kind, layer=layer,
                            shape=w.shape_text(stage.shape)))
            st.caption(f"`{stage.spec.token()}` · " + summary(costs, cost_words(tx)))
            heatmap(tx, heatmaps.maps_heatmap(stage.output, display, max_width=DIFF_WIDTH), key=f"chart-ab-{name}")
    diff = difference(sides[0][1].output, sides[1][1].output)
    st.subheader(tx("ab.difference"))
    if diff is None:
        st.info(tx("ab.shapes", a=w.shape_text(sides[0][1].shape), b=w.shape_text(sides[1][1].shape)))
        return
    largest = float(np.abs(diff).max())
    with st.columns(2)[0]:  # as wide as A and B: the same mosaic layout
        st.caption(tx("ab.largest", value=format_number(largest)))
        shown = replace(display, color_scale="diverging", normalization="layer")
        heatmap(tx, heatmaps.maps_heatmap(diff, shown, max_width=DIFF_WIDTH), key="chart-ab-diff")
