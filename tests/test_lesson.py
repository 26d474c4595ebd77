"""cnnlab/lesson.py and cnnlab/ui/lesson.py: the guided lesson's steps and its link."""

from apptools import new_app
from cnnlab.lesson import BLOG, LESSONS
from cnnlab.ui.params import URL_PARAMS, VIEWS


def test_every_step_sets_only_controls_the_link_knows_to_values_they_take():
    for steps in LESSONS.values():
        for step in steps:
            assert step.view in VIEWS
            for key, value in step.settings.items():
                assert URL_PARAMS[key].parse(str(value)) == value, (step.name, key)


def test_steps_set_the_blog_post_s_state_and_next_back_walk_them():
    at = new_app({"lesson": "blog"})
    at.run()
    assert not at.exception
    seen = []
    for n in range(len(BLOG)):
        assert at.query_params["step"] == str(n)
        seen.append((at.session_state["net"], at.session_state["digit"], at.query_params.get("view")))
        if n < len(BLOG) - 1:
            at.button(key="lesson-next").click().run()
            assert not at.exception
    assert at.button(key="lesson-next").disabled
    assert seen[0] == ("conv-16-5x5_max-2x2", 4, None)
    assert [v for _, _, v in seen] == [None if s.view == "maps" else s.view for s in BLOG]
    assert at.query_params["max_epoch"] == "1"
    at.button(key="lesson-back").click().run()
    assert at.query_params["step"] == str(len(BLOG) - 2) and "max_epoch" not in at.query_params


def test_a_step_that_asks_explains_only_after_an_answer_or_show_me():
    at = new_app({"lesson": "blog", "step": "1"})
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert "16 x 24 x 24**: the 16 maps" not in text
    radio = next(r for r in at.radio if (r.key or "").startswith("lesson-1-output_size-"))
    radio.set_value("16 x 24 x 24").run()
    assert "16 x 24 x 24**: the 16 maps" in " ".join(m.value for m in at.markdown)
    assert at.success and "16 x 24 x 24" in at.success[0].value
    at = new_app({"lesson": "blog", "step": "4"})
    at.run()
    at.button(key="lesson-show-4").click().run()
    assert "**16 x 12 x 12**" in " ".join(m.value for m in at.markdown)


def test_hostile_lesson_values_are_refused_and_shown_literally():
    at = new_app({"lesson": "blog<script>", "step": "99"})
    at.run()
    assert not at.exception
    assert {"lesson", "step"}.isdisjoint(at.query_params)
    assert not [b for b in at.button if (b.key or "").startswith("lesson-")]
    notice = " ".join(w.value for w in at.warning)
    assert "`lesson=blog<script>`" in notice and "`step=99`" in notice


# --- lesson links for a class (cnnlab/ui/classroom.py) ---------------------------------

from urllib.parse import parse_qs, urlparse  # noqa: E402

import pytest  # noqa: E402

from apptools import open_tab  # noqa: E402
from cnnlab.lesson import NOTE_MAX, check_note, parse_allowed  # noqa: E402
from cnnlab.ui.classroom import class_link  # noqa: E402


@pytest.mark.parametrize("bad", ["a\u202eb", "x" * (NOTE_MAX + 1), "\n" * 8, "tab\there", "\x00", "nul\u2028"])
def test_a_note_with_hidden_characters_or_too_long_is_refused(bad):
    with pytest.raises(ValueError):
        check_note(bad)


def test_allowed_controls_parse_like_any_list_value():
    assert parse_allowed("strides.kernel_shape") == ("kernel_shape", "strides")
    assert parse_allowed("") == ()
    for bad in ("strides.strides", "strides.", "everything", "Strides"):
        with pytest.raises(ValueError):
            parse_allowed(bad)


def test_the_class_link_round_trips_through_the_url_checks():
    from cnnlab.ui.params import url_problems
    link = class_link("http://host", {"net": "conv-8-3x3", "view": "learn", "note": "old"}, "日本語 **x**\r\nline",
                      ["strides", "kernel_shape"], ["pixel", "edge"])
    query = parse_qs(urlparse(link).query)
    assert query == {"net": ["conv-8-3x3"], "note": ["日本語 **x**\nline"], "allow": ["kernel_shape.strides"],
                     "quiz_kinds": ["pixel.edge"], "view": ["quiz"]}
    assert url_problems(query) == []
    assert class_link("http://host", {}, "a\u202eb", [], []) is None


def test_the_link_maker_and_a_hostile_note_in_the_link():
    at = open_tab("Predict")
    at.text_area(key="class-note-text").input("Look at **Strides**").run()
    link = at.code[-1].value
    assert parse_qs(urlparse(link).query)["note"] == ["Look at **Strides**"]
    assert parse_qs(urlparse(link).query)["allow"] == ["kernel_shape.strides"]
    at = open_tab("Predict", {"note": "evil\u202e", "allow": "kernel_shape"})
    assert "note" not in at.query_params and not at.text  # refused, so no note is shown
    assert "`note=evil\\u202e`" in " ".join(w.value for w in at.warning)
