"""cnnlab/lesson.py and cnnlab/ui/lesson.py: the guided lesson's steps and its link."""

from apptools import new_app
from cnnlab.lesson import BLOG, LESSONS
from cnnlab.ui.params import PARAMS, VIEWS


def test_every_step_sets_only_controls_the_link_knows_to_values_they_take():
    for steps in LESSONS.values():
        for step in steps:
            assert step.view in VIEWS
            for key, value in step.settings.items():
                assert PARAMS[key].parse(str(value)) == value, (step.name, key)


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
