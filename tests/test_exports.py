"""Downloads read back: the PNG shows the page's colours, the zip holds one PNG per map,
NPZ and CSV hold the values, and the network NPZ every stage, weight and the settings."""

import csv
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from cnnlab import exports
from cnnlab.data import load_mnist
from cnnlab.heatmaps import decode, maps_heatmap
from cnnlab.mosaic import Display, tile
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack

STAGES = run(load_mnist().image(4), parse_stack("conv-6-5x5_relu_max-2x2"), 3)


@pytest.mark.parametrize("display", [Display("gray", "layer", True, 8), Display("diverging", "map", False, 4)])
def test_the_mosaic_png_is_the_page_s_picture_scaled_by_a_whole_factor(display):
    maps = STAGES[1].output
    png = np.asarray(Image.open(io.BytesIO(exports.mosaic_png(maps, display, scale=3, colorbar=display.colorbar))))
    page, _ = decode(maps_heatmap(maps, display))
    h, w = page.shape[:2]
    np.testing.assert_array_equal(png[:3 * h, :3 * w], np.repeat(np.repeat(page, 3, 0), 3, 1))
    assert png.shape[1] == 3 * w + (3 * 2 + 16 if display.colorbar else 0)
    if display.colorbar:
        assert png[0, -1, :3].tolist() == [255, 255, 255] and png[-1, -1, :3].tolist() == [0, 0, 0]  # gray: top white


def test_the_zip_holds_one_png_per_map_in_the_page_s_colours():
    maps = STAGES[3].output  # the pooled maps, 6 x 12 x 12
    display = Display("gray", "layer", True, 8)
    with zipfile.ZipFile(io.BytesIO(exports.maps_zip(maps, display))) as zf:
        names = zf.namelist()
        assert names == [f"map_{m:03d}.png" for m in range(6)]
        page, _ = decode(maps_heatmap(maps, display))
        mosaic = tile(maps, 8)
        for m, name in enumerate(names):
            pixels = np.asarray(Image.open(io.BytesIO(zf.read(name))))
            top, left = mosaic.cell_origin(m)
            h, w = maps.shape[1:]
            np.testing.assert_array_equal(pixels, page[top:top + h, left:left + w])  # the same colour range


def test_npz_and_csv_hold_the_values():
    maps = STAGES[1].output
    with np.load(io.BytesIO(exports.values_npz(maps=maps))) as npz:
        np.testing.assert_array_equal(npz["maps"], maps)
    rows = list(csv.reader(io.StringIO(exports.values_csv(maps))))
    assert rows[0] == ["map", "row", "column", "value"] and len(rows) == 1 + maps.size
    for m, i, j, v in rows[1::997]:
        assert float(v) == pytest.approx(float(maps[int(m), int(i), int(j)]), rel=1e-8, abs=1e-12)
    # 0 x a negative weight is -0.0: the CSV writes 0
    negative_zero = exports.values_csv(np.array([[[-0.0, 0.5]]], np.float32)).splitlines()
    assert negative_zero[1:] == ["0,0,0,0", "0,0,1,0.5"]


def test_the_network_npz_holds_every_stage_every_weight_and_the_settings():
    manifest = {"net": "conv-6-5x5_relu_max-2x2", "seed": 3, "link": "http://localhost:8501/?net=..."}
    with np.load(io.BytesIO(exports.network_npz(STAGES, manifest))) as npz:
        assert json.loads(str(npz["manifest"])) == manifest
        for stage in STAGES:
            np.testing.assert_array_equal(npz[f"stage_{stage.index}"], stage.output)
        np.testing.assert_array_equal(npz["layer1/conv/W"], STAGES[1].params["W"])  # nnabla's names
        np.testing.assert_array_equal(npz["layer1/conv/b"], STAGES[1].params["b"])
        assert not any(key.startswith(("layer2/", "layer3/")) for key in npz.files)  # ReLU, MaxPooling: none
