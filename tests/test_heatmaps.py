"""Canvas heatmap payloads: colours, hover values, tiling and boxes against plain loops."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.heatmaps import (LEVELS, sub_filter, LUTS, cell_px, color_range, colorize, decode, input_heatmap, kernels_heatmap,
                             lookup_table, maps_heatmap, pack, unpack)
from cnnlab.mosaic import DIVERGING_STOPS, GUTTER, HIGHLIGHT, Display, tile


def reference_tile(maps, columns):
    """Plain loops: the mosaic z and, per cell, (map, row, column) or None in a gutter."""
    c, h, w = maps.shape
    cols = max(1, min(columns, c))
    rows = -(-c // cols)
    z = [[np.nan] * (cols * (w + GUTTER) - GUTTER) for _ in range(rows * (h + GUTTER) - GUTTER)]
    where = [[None] * len(z[0]) for _ in z]
    for m in range(c):
        for i in range(h):
            for j in range(w):
                r, q = (m // cols) * (h + GUTTER) + i, (m % cols) * (w + GUTTER) + j
                z[r][q], where[r][q] = float(maps[m, i, j]), (m, i, j)
    return np.array(z, dtype=np.float32), where


def browser_cell(payload, r, q):
    """What heatmap.js names the cell under the cursor (its arithmetic, in Python)."""
    t = payload["tile"]
    return (r // (t["h"] + 1)) * t["columns"] + q // (t["w"] + 1), r % (t["h"] + 1), q % (t["w"] + 1)


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 20), h=st.integers(1, 9), w=st.integers(1, 9), columns=st.integers(1, 10),
       seed=st.integers(0, 2**16))
def test_hover_names_the_right_map_row_column_and_value(c, h, w, columns, seed):
    maps = np.random.default_rng(seed).normal(size=(c, h, w)).astype(np.float32)
    payload = unpack(pack(maps_heatmap(maps, Display(columns=columns))))  # as the browser gets it
    rgba, values = decode(payload)
    z, where = reference_tile(maps, columns)
    assert (payload["height"], payload["width"]) == z.shape
    np.testing.assert_array_equal(values, z)
    for r in range(z.shape[0]):
        for q in range(z.shape[1]):
            if where[r][q] is None:
                assert rgba[r, q, 3] == 0  # gutters are transparent and never hovered
            else:
                assert browser_cell(payload, r, q) == where[r][q]
                assert rgba[r, q, 3] == 255


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.sampled_from(["gray", "diverging"]),
       lo=st.floats(-5, 5), span=st.floats(0.01, 10))
def test_colorize_matches_a_loop_over_cells(seed, scale, lo, span):
    z = np.random.default_rng(seed).normal(scale=4, size=(5, 6)).astype(np.float32)
    z[1, 2] = np.nan
    hi = lo + span
    rgba = colorize(z, lo, hi, scale)
    lut = LUTS[scale]
    for i in range(5):
        for j in range(6):
            if np.isnan(z[i, j]):
                assert rgba[i, j, 3] == 0
                continue
            t = min(1.0, max(0.0, (float(z[i, j]) - lo) / (hi - lo)))
            k = int(np.rint(t * (LEVELS - 1)))  # the table entry; float32 rounding may pick a neighbour
            near = {tuple(lut[max(0, k - 1)]), tuple(lut[k]), tuple(lut[min(LEVELS - 1, k + 1)])}
            assert tuple(rgba[i, j, :3]) in near


def test_lookup_tables_run_between_their_stops():
    gray = LUTS["gray"]
    assert len(gray) == LEVELS and tuple(gray[0]) == (0, 0, 0) and tuple(gray[-1]) == (255, 255, 255)
    assert np.all(np.diff(gray[:, 0].astype(int)) > 0)
    div = lookup_table(DIVERGING_STOPS, 11)
    assert [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in div] == list(DIVERGING_STOPS)
    assert tuple(LUTS["diverging"][(LEVELS - 1) // 2]) == (247, 247, 247)  # white at 0


def test_color_ranges_follow_the_display_setting():
    z = np.array([[-2.0, 1.0], [0.5, np.nan]], dtype=np.float32)
    assert color_range(z, Display("gray", "layer")) == (-2.0, 1.0)
    assert color_range(z, Display("diverging", "layer")) == (-2.0, 2.0)
    assert color_range(z, Display("gray", "map")) == (0.0, 1.0)
    assert color_range(z, Display("diverging", "map")) == (-1.0, 1.0)
    assert color_range(z, Display("gray", "nnc")) == (0.0, 255.0)
    assert color_range(z, Display("diverging", "nnc")) == (-255.0, 255.0)
    assert color_range(np.full((2, 2), 3.0, np.float32), Display()) == (2.5, 3.5)  # a flat map is mid-gray


def test_normalised_display_still_hovers_the_true_values():
    maps = np.stack([np.arange(4, dtype=np.float32).reshape(2, 2), 10 * np.ones((2, 2), np.float32)])
    for how in ("map", "nnc"):
        rgba, values = decode(maps_heatmap(maps, Display("gray", how, columns=2)))
        np.testing.assert_array_equal(values[:, :2], maps[0])
        np.testing.assert_array_equal(values[:, 3:], maps[1])
    rgba, _ = decode(maps_heatmap(maps, Display("gray", "map", columns=2)))
    assert tuple(rgba[0, 0, :3]) == (0, 0, 0) and tuple(rgba[1, 1, :3]) == (255, 255, 255)  # each map stretched
    assert tuple(rgba[0, 3, :3]) == tuple(LUTS["gray"][(LEVELS - 1) // 2])  # a flat map sits in the middle


def test_pixel_window_and_selected_kernels_are_boxed():
    maps = np.zeros((3, 4, 5), np.float32)
    window = np.zeros_like(maps, dtype=bool)
    window[2, 1:3, 2:4] = True
    payload = maps_heatmap(maps, Display(columns=2), pixel=(1, 3, 0), window=window)
    assert payload["boxes"] == [[5 + 1, 2, 5 + 2, 3], [3, 6, 3, 6]]
    weight = np.ones((4, 2, 3, 3), np.float32)
    kernels = kernels_heatmap(weight, Display(columns=8), selected=1)
    assert kernels["boxes"] == [[0, 8, 2, 10], [0, 12, 2, 14]]  # kernels 2 and 3 = map 1's two channels
    assert kernels["item"] == "kernel" and kernels["label"] == "weight"


def test_input_receptive_field_is_tinted_cell_by_cell():
    image = np.linspace(0, 1, 49, dtype=np.float32).reshape(7, 7)
    field = np.zeros((1, 7, 7), bool)
    field[0, 1:6:2, 2:5:2] = True  # a dilated kernel's cells, with holes
    payload = input_heatmap(image, Display(), field=field)
    rgba, values = decode(payload)
    plain = colorize(values, 0.0, 1.0, "gray")
    changed = (rgba != plain).any(axis=-1)
    np.testing.assert_array_equal(changed, field[0])
    orange = np.array([int(HIGHLIGHT[k:k + 2], 16) for k in (1, 3, 5)])
    assert np.all(np.abs(rgba[1, 2, :3].astype(int) - orange) < np.abs(plain[1, 2, :3].astype(int) - orange) + 1)
    assert payload["boxes"] == [[1, 2, 5, 4]] and payload["raw"] and payload["item"] == ""
    assert input_heatmap(np.zeros((3, 4, 4), np.float32), Display())["item"] == "channel"


def test_colorbar_and_cell_size():
    maps = np.ones((2, 3, 3), np.float32)
    assert maps_heatmap(maps, Display(colorbar=False))["colorbar"] is None
    assert maps_heatmap(maps, Display(color_scale="diverging"))["colorbar"]["stops"] == list(DIVERGING_STOPS)
    assert cell_px(28, 28, 420) == 15 and cell_px(1, 1, 1000) == 24
    assert cell_px(199, 799, 1000) == 3  # 256 maps of 24x24: at most 2400 px tall
    assert np.array_equal(tile(maps, 8).z.shape, (3, 7))


def test_a_large_mosaic_sends_float16_values_and_a_small_one_float32():
    from cnnlab.heatmaps import EXACT_CELLS, decode, maps_heatmap
    from cnnlab.mosaic import Display

    rng = np.random.default_rng(0)
    display = Display("gray", "layer", True, 8)
    small = rng.normal(size=(4, 20, 20)).astype(np.float32)
    payload = maps_heatmap(small, display)
    assert payload["values_bits"] == 32
    values = decode(payload)[1]
    np.testing.assert_array_equal(values[:20, :20], small[0])
    large = rng.normal(size=(16, 160, 160)).astype(np.float32)  # 8 x 161 wide, 2 x 161 high: past EXACT_CELLS
    payload = maps_heatmap(large, display)
    assert payload["values_bits"] == 16 and payload["width"] * payload["height"] > EXACT_CELLS
    values = decode(payload)[1]
    np.testing.assert_allclose(values[:160, :160], large[0], rtol=1e-3, atol=1e-4)  # 3 significant digits
    assert np.isnan(values[:160, 160]).all()  # gutters stay NaN


def test_every_scale_and_normalisation_pair_colours_and_labels_what_it_says():
    """Diverging is white at 0 under every normalisation (per map: each map / its max |v|,
    NNC: -1..1 clipped), and the colour bar's labels name what its ends mean."""
    maps = np.stack([np.array([[-1.0, 0.0], [2.0, 4.0]]), np.array([[10.0, 0.0], [-20.0, 5.0]])]).astype(np.float32)
    white = tuple(LUTS["diverging"][(LEVELS - 1) // 2])
    for how in ("layer", "map", "nnc"):
        payload = maps_heatmap(maps, Display("diverging", how, columns=2))
        rgba, values = decode(payload)
        np.testing.assert_array_equal(values[:, :2], maps[0])  # the hover keeps the true values
        assert tuple(rgba[0, 1, :3]) == white and tuple(rgba[0, 4, :3]) == white, how  # 0 is white in both maps
        assert tuple(rgba[0, 0, :3]) != white, how
    # per map: each map's largest |value| is the darkest red or blue of the scale
    rgba, _ = decode(maps_heatmap(maps, Display("diverging", "map", columns=2)))
    assert tuple(rgba[1, 1, :3]) == tuple(LUTS["diverging"][-1]) and tuple(rgba[1, 3, :3]) == tuple(LUTS["diverging"][0])
    labels = {(scale, how): maps_heatmap(maps, Display(scale, how))["colorbar"]["labels"]
              for scale in ("gray", "diverging") for how in ("layer", "map", "nnc")}
    assert labels == {
        ("gray", "layer"): ["10", None, "-20"], ("diverging", "layer"): ["20", "0", "-20"],
        ("gray", "map"): ["{map_max}", None, "{map_min}"], ("diverging", "map"): ["+{map_abs}", "0", "-{map_abs}"],
        ("gray", "nnc"): ["≥ 1", None, "≤ 0"], ("diverging", "nnc"): ["≥ 1", "0", "≤ -1"],
    }
    assert input_heatmap(np.zeros((4, 4), np.float32), Display("diverging", "map"))["colorbar"]["labels"] == ["1", None, "0"]


def test_a_float16_mosaic_hovers_the_float32_value_s_own_three_digits():
    """Values sent as float16 are chosen so the hover writes format_number of the float32
    value: near a rounding boundary, ties, powers of ten, tiny and large values (sent exactly)."""
    from cnnlab.explain import format_number
    from cnnlab.heatmaps import EXACT_CELLS, half_values

    rng = np.random.default_rng(1)
    mags = 10.0 ** rng.uniform(-7, 4, 40_000)
    values = (rng.choice([-1, 1], 40_000) * mags).astype(np.float32)
    edges = np.array([0.8815, 0.88149994, 0.88150006, 1.125, 2.675, 9.995, 99.95, 999.4, 999.5, 999.6, 0.1, 1e-5, 9.9e-6,
                      6.1e-5, 1.0005, 0.99951, 12345.0, 0.0, -0.0, 100.5, 0.0009995], np.float32)
    values = np.concatenate([values, edges, -edges])
    half, exact = half_values(values)
    shown = half.astype(np.float32)
    shown[exact] = values[exact]
    assert [format_number(v) for v in shown] == [format_number(v) for v in values]
    a = np.abs(values)
    np.testing.assert_array_equal(exact, np.flatnonzero((a > 0) & ((a < 1e-5) | (a >= 999.5))))  # only those go exactly
    large = np.zeros((16, 160, 160), np.float32)
    large.flat[:values.size] = values
    payload = maps_heatmap(large, Display("gray", "layer", True, 8))
    assert payload["values_bits"] == 16 and payload["width"] * payload["height"] > EXACT_CELLS and payload["exact"]
    decoded = decode(pack(payload))[1][:160, :160]  # the blob the browser gets
    assert [format_number(v) for v in decoded.ravel()] == [format_number(v) for v in large[0].ravel()]


def test_a_payload_travels_as_one_binary_blob_its_arrays_raw_and_aligned():
    """pack: a uint32 header length, a JSON header (every field but the arrays), then each
    array's bytes as they are from a multiple of 4 bytes (heatmap.js views them in place);
    unpack gives back every field and array, decode the same picture and values."""
    import json

    rng = np.random.default_rng(3)
    image = rng.uniform(size=(3, 7, 5)).astype(np.float32)
    field = np.zeros((3, 7, 5), bool)
    field[:, 1:4, 2:4] = True
    large = np.zeros((16, 160, 160), np.float32)
    large[0, :4, :4] = [[1e-7, 2e4, 0.5, -3], [0.1, 0.2, 0.3, 0.4], [5, 6, 7, 8], [9, 10, 11, 12]]
    payloads = [input_heatmap(image, Display(), field=field),  # tint, an odd number of cells
                kernels_heatmap(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), Display(), selected=1),  # group
                maps_heatmap(large, Display("gray", "layer", True, 8), pixel=(0, 1, 1))]  # float16 + exact cells
    for payload in payloads:
        payload = {**payload, "words": {"map": "マップ"}, "pick": True, "inspected": [0, 1, 1]}
        blob = pack(payload)
        assert isinstance(blob, bytes)
        n = int.from_bytes(blob[:4], "little")
        header = json.loads(blob[4:4 + n])
        assert n % 4 == 0 and header["words"] == {"map": "マップ"} and "colors" not in header
        assert header["filtered"] == ["colors"]
        arrays = header["arrays"]
        assert set(arrays) == {k for k, v in payload.items() if isinstance(v, np.ndarray)}
        for name, (code, offset, shape) in arrays.items():
            assert offset % 4 == 0 and shape == list(payload[name].shape), name
            start = 4 + n + offset
            sent = sub_filter(payload[name]) if name in header["filtered"] else payload[name]
            assert blob[start:start + payload[name].nbytes] == sent.tobytes(), name  # raw, little-endian
        cells = payload["width"] * payload["height"]
        assert len(blob) <= n + 4 + cells * (1 + payload["values_bits"] // 8 + (payload["tint"] is not None)) + 1200
        back = unpack(blob)
        assert back.keys() == payload.keys()
        for name, value in payload.items():
            if isinstance(value, np.ndarray):
                assert back[name].dtype == value.dtype.newbyteorder("<") and np.array_equal(back[name], value, equal_nan=value.dtype.kind == "f"), name
            else:
                assert back[name] == value, name
        for mine, theirs in zip(decode(payload), decode(blob)):
            np.testing.assert_array_equal(mine, theirs)
    assert payloads[2]["exact"] == 2 and decode(pack(payloads[2]))[1][0, 1] == np.float32(2e4)


def test_half_values_are_computed_once_per_content_and_equal_a_fresh_computation():
    from cnnlab.heatmaps import HALF_VALUES, half_values, half_values_by_content
    rng = np.random.default_rng(3)
    values = (rng.standard_normal((520, 520)) * 10.0 ** rng.integers(-6, 3, (520, 520))).astype(np.float32)
    HALF_VALUES.clear()
    first = half_values_by_content(values)
    again = half_values_by_content(values.copy())  # the same content in another array
    assert again[0] is first[0] and len(HALF_VALUES) == 1
    fresh = half_values(values)
    np.testing.assert_array_equal(first[0], fresh[0])
    np.testing.assert_array_equal(first[1], fresh[1])
    changed = values.copy()
    changed[7, 7] += 1
    assert half_values_by_content(changed)[0] is not first[0] and len(HALF_VALUES) == 2
    assert not first[0].flags.writeable  # shared by every visitor: read-only


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_colours_go_sub_filtered_and_come_back_exactly(h, w, seed):
    from cnnlab.heatmaps import sub_filter, unsub
    colors = np.random.default_rng(seed).integers(0, 256, size=(h, w)).astype(np.uint8)
    filtered = sub_filter(colors)
    for r in range(h):  # each cell minus its left neighbour, mod 256 (a plain loop)
        for q in range(w):
            assert filtered[r, q] == (int(colors[r, q]) - (int(colors[r, q - 1]) if q else 0)) % 256
    np.testing.assert_array_equal(unsub(filtered), colors)
    payload = {"colors": colors, "width": w, "height": h}
    blob = pack(payload)
    n = int.from_bytes(blob[:4], "little")
    sent = np.frombuffer(blob, np.uint8, h * w, 4 + n)
    np.testing.assert_array_equal(sent.reshape(h, w), filtered)  # what goes over the wire
    np.testing.assert_array_equal(unpack(blob)["colors"], colors)


def test_a_smooth_mosaic_deflates_to_far_fewer_bytes_filtered():
    import zlib
    from cnnlab.heatmaps import sub_filter
    rows, cols = np.mgrid[0:200, 0:600]
    colors = ((np.sin(rows / 17) + np.cos(cols / 23)) * 60 + 127).astype(np.uint8)
    assert len(zlib.compress(sub_filter(colors).tobytes(), 6)) < 0.6 * len(zlib.compress(colors.tobytes(), 6))


def test_a_large_mosaic_sends_its_hover_values_apart_and_they_decode_the_same():
    from cnnlab.heatmaps import INLINE_VALUE_CELLS, split_values
    rng = np.random.default_rng(1)
    display = Display("gray", "layer", True, 8)
    small = maps_heatmap(rng.normal(size=(4, 20, 20)).astype(np.float32), display)
    assert split_values(small) == (small, None)
    large = maps_heatmap(rng.normal(size=(16, 60, 60)).astype(np.float32), display)
    assert large["values"].size > INLINE_VALUE_CELLS
    rest, values = split_values(large)
    assert "values" not in rest and values is not None and len(pack(rest)) < large["values"].size * 1.1
    rgba, hover = decode(unpack(pack(rest)), values)
    rgba_whole, hover_whole = decode(large)
    np.testing.assert_array_equal(rgba, rgba_whole)
    np.testing.assert_array_equal(hover, hover_whole)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 400), block=st.integers(1, 64), seed=st.integers(0, 2**16))
def test_half_values_in_blocks_are_the_whole_array_s(size, block, seed):
    from cnnlab.heatmaps import half_values
    rng = np.random.default_rng(seed)
    values = (rng.normal(size=size) * 10.0 ** rng.integers(-7, 5, size=size)).astype(np.float32)
    values[rng.random(size) < 0.05] = np.nan
    whole_half, whole_exact = half_values(values, block=size)
    half, exact = half_values(values, block=block)
    np.testing.assert_array_equal(half.view(np.uint16), whole_half.view(np.uint16))
    np.testing.assert_array_equal(exact, whole_exact)


def test_half_values_of_a_large_layer_keep_their_temporaries_small():
    import tracemalloc
    from cnnlab.heatmaps import half_values
    values = np.random.default_rng(0).normal(size=(16, 270, 270)).astype(np.float32)  # 1.17 M values
    tracemalloc.start()
    half_values(values)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 30 * 2**20, peak  # was 95 MB converted at once
