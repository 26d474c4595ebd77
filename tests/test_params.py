from cnnlab.ui.params import URL_PARAMS, url_problems


def test_valid_values_pass_and_bad_ones_are_named_with_their_default():
    assert url_problems({"out_maps": ["64"], "pooling": ["SumPooling"], "with_bias": ["false"],
                         "multiplier": ["2.5"], "unknown": ["x"]}) == []
    problems = url_problems({"out_maps": ["0"], "kernel_h": ["5.5"], "pooling": ["max"],
                             "with_bias": ["yes"], "seed": ["1", "2"], "multiplier": ["nan?"]})
    assert problems == [("out_maps", "0", 16), ("kernel_h", "5.5", 5), ("pooling", "max", "MaxPooling"),
                        ("with_bias", "yes", True), ("seed", "1,2", 0), ("multiplier", "nan?", 1.0)]


def test_defaults_parse_as_themselves():
    for p in URL_PARAMS.values():
        raw = str(p.default).lower() if p.value_type == "bool" else str(p.default)
        assert p.parse(raw) == p.default


def test_an_old_link_becomes_one_network_with_its_first_block_and_more_layers():
    from cnnlab.ui.params import legacy_network
    net, problems = legacy_network({"out_maps": ["8"], "kernel_h": ["3"], "kernel_w": ["3"], "border_mode": ["same"],
                                    "activation": ["LeakyReLU"], "alpha": ["0.2"], "pooling": ["AveragePooling"],
                                    "pool_pad_h": ["1"], "including_pad": ["false"], "more": ["conv-4-3x3_relu"],
                                    "seed": ["7"]})
    assert (net, problems) == ("conv-8-3x3-same_leaky-0.2_avg-2x2-p1x0-nopad_conv-4-3x3_relu", [])
    assert legacy_network({"pooling": ["none"], "border_mode": ["explicit"], "pad_w": ["2"]})[0] == "conv-16-5x5-p0x2"
    assert legacy_network({"more": ["relu"]})[0] == "conv-16-5x5_max-2x2_relu"


def test_links_without_old_keys_or_with_net_are_left_alone():
    from cnnlab.ui.params import legacy_network
    assert legacy_network({"seed": ["3"], "digit": ["5"]}) == (None, [])
    assert legacy_network({"net": ["relu"], "out_maps": ["8"]}) == (None, [])


def test_an_old_link_too_long_as_one_network_keeps_its_first_block_and_names_more():
    from cnnlab.ui.params import legacy_network
    more = "_".join(["relu"] * 11)  # 11 layers fit alone, not after the first block's two
    assert legacy_network({"more": [more]}) == ("conv-16-5x5_max-2x2", [("more", more, "")])


def test_the_network_in_the_url_is_checked_by_the_layers_own_parser():
    assert url_problems({"net": ["conv-8-3x3_relu_max-2x2"]}) == []
    assert url_problems({"net": ["conv-99999-5x5"]}) == [("net", "conv-99999-5x5", "conv-16-5x5_max-2x2")]
    assert url_problems({"net": [""]}) == [("net", "", "conv-16-5x5_max-2x2")]


def test_an_epoch_to_show_past_max_epoch_is_refused_and_the_last_epoch_used():
    assert url_problems({"max_epoch": ["3"], "show_epoch": ["3"]}) == []
    assert url_problems({"max_epoch": ["3"], "show_epoch": ["7"]}) == [("show_epoch", "7", 3)]
    assert url_problems({"show_epoch": ["2"]}) == [("show_epoch", "2", 0)]  # Max Epoch 0: nothing trained
    assert url_problems({"max_epoch": ["x"], "show_epoch": ["2"]}) == [("max_epoch", "x", 0), ("show_epoch", "2", 0)]
    assert url_problems({"max_epoch": ["3"], "show_epoch": ["11"]}) == [("show_epoch", "11", 10)]  # out of range
