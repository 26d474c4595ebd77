from cnnlab.ui.params import PARAMS, url_problems


def test_valid_values_pass_and_bad_ones_are_named_with_their_default():
    assert url_problems({"out_maps": ["64"], "pooling": ["SumPooling"], "with_bias": ["false"],
                         "multiplier": ["2.5"], "unknown": ["x"]}) == []
    problems = url_problems({"out_maps": ["0"], "kernel_h": ["5.5"], "pooling": ["max"],
                             "with_bias": ["yes"], "seed": ["1", "2"], "multiplier": ["nan?"]})
    assert problems == [("out_maps", "0", 16), ("kernel_h", "5.5", 5), ("pooling", "max", "MaxPooling"),
                        ("with_bias", "yes", True), ("seed", "1,2", 0), ("multiplier", "nan?", 1.0)]


def test_defaults_parse_as_themselves():
    for p in PARAMS.values():
        raw = str(p.default).lower() if p.kind == "bool" else str(p.default)
        assert p.parse(raw) == p.default
