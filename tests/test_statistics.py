"""NNC's statistics: per-layer counts from the arrays and loops themselves, totals added up."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from apptools import open_tab
from cnnlab.pipeline import run
from cnnlab.presets import PRESETS, parse_stack
from cnnlab.statistics import COSTS, network_statistics


@given(st.sampled_from(["conv-16-5x5_max-2x2", "conv-4-3x3-nobias_relu_avg-2x2", "conv-6-3x3_tanh_conv-4-3x3-g2_sum-3x3-s1x1",
                        "conv-2-1x1_sigmoid_leaky-0.2_max-2x2-keep", "conv-8-5x5-s2x2-same_relu"]),
       st.integers(0, 3))
def test_counts_equal_what_the_arrays_hold_and_totals_add_up(text, seed):
    specs = parse_stack(text)
    stages = run(np.random.default_rng(seed).random((28, 28), dtype=np.float32), specs, seed)
    rows, totals = network_statistics(specs, (1, 28, 28))
    assert [r.output for r in rows] == [s.shape for s in stages[1:]]
    for row, stage in zip(rows, stages[1:]):
        held = sum(a.size for a in stage.params.values()) if stage.params else 0
        assert row.costs["CostParameter"] == held  # every weight and bias, counted from the arrays
        inputs, outputs = int(np.prod(stage.input_shape)), stage.output.size
        if stage.name == "Convolution":
            assert row.costs["CostAdd"] == (outputs if stage.spec.with_bias else 0)
        if stage.name in ("ReLU", "MaxPooling"):
            assert row.costs["CostIf"] == inputs and row.costs["CostAdd"] == 0
        if stage.name in ("AveragePooling", "SumPooling"):
            assert (row.costs["CostAdd"], row.costs["CostMultiply"]) == (inputs, outputs)
        if stage.name in ("Tanh", "Sigmoid"):
            assert row.costs["CostExp"] == row.costs["CostDivision"] == inputs
    for name in COSTS:
        assert totals[name] == sum(r.costs[name] for r in rows)


def test_the_app_shows_each_layer_s_costs_and_the_network_table():
    at = open_tab("Maps", {"activation": "ReLU", "more": "conv-8-5x5_relu_max-2x2"})
    captions = [c.value for c in at.caption]
    assert any(c.startswith("**416 parameters · 230,400 multiply-adds · 9,216 additions**") for c in captions)
    text = next(m.value for m in at.markdown if "| Layer |" in m.value)
    lines = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines()
             if line.startswith("|")]
    header, body = lines[0], lines[2:]
    assert body[-1][:2] == ["Total", ""]
    rows, totals = network_statistics(PRESETS["lenet"], (1, 28, 28))
    assert body[-1][header.index("CostMultiplyAdd")] == f"{totals['CostMultiplyAdd']:,}" == "435,200"
    assert len(body) == len(rows) + 1
    assert [line[0] for line in body[:-1]] == [f"{k}. {r.name}" for k, r in enumerate(rows, start=1)]
