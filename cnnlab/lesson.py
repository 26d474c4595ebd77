"""The blog post as a guided lesson (`?lesson=blog&step=N`): its story as steps, each
setting the app's controls (by their URL keys) to the state it talks about, naming the
part of the page it points at, and maybe asking a question before it explains.

Pure data: the page (cnnlab/ui/lesson.py) applies a step's settings, outlines its
target and draws its question. No Streamlit import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnnlab.layers import BLOG_NETWORK
from cnnlab.presets import format_stack

BLOG_NET = format_stack(BLOG_NETWORK)  # conv-16-5x5_max-2x2


@dataclass(frozen=True)
class Step:
    """One step. `name`: its text's catalogue key part (lesson.blog.{name}.title/.text);
    `settings`: control (URL key) -> value set when the step is entered; `view`: the tab it
    opens (a VIEWS code); `targets`: the keys of the elements it outlines; `ask`: a
    question kind (cnnlab.questions) about layer `ask_layer`, answered before its text shows."""

    name: str
    settings: dict[str, object] = field(default_factory=dict)
    view: str = "maps"
    targets: tuple[str, ...] = ()
    ask: str | None = None
    ask_layer: int | None = None


_BLOG_INPUT = {"pick": "digit", "digit": 4, "example": 0, "net": BLOG_NET, "seed": 0, "max_epoch": 0,
               "train_images": 10000}

BLOG: tuple[Step, ...] = (
    Step("digit", {**_BLOG_INPUT}, "maps", ("chart-input",)),
    Step("convolution", {**_BLOG_INPUT}, "maps", ("chart-stage-1",), ask="output_size", ask_layer=1),
    Step("sum84", {"learn_k": 3, "learn_s": 2, "learn_p": 0, "learn_conv_pos": 0}, "learn", ("chart-learn-conv-input", "chart-learn-conv-kernel")),
    Step("real_sum", {**_BLOG_INPUT, "insp_layer": 1, "insp_map": 0, "insp_row": 14, "insp_col": 10},
         "inspect", ("chart-insp-input", "chart-pick"), ask="pixel", ask_layer=1),
    Step("pooling", {**_BLOG_INPUT}, "maps", ("chart-stage-2",), ask="output_size", ask_layer=2),
    Step("max8", {"learn_pk": 2, "learn_ps": 2, "learn_pool_pos": 0}, "learn", ("chart-learn-pool-input",), ask="max_window",
         ask_layer=2),
    Step("epoch0", {**_BLOG_INPUT}, "maps", ("chart-kernels-1",)),
    Step("train", {**_BLOG_INPUT, "max_epoch": 1, "train_images": 5000}, "trained",
         ("train-cancel", "chart-curves", "chart-untrained-stage-1", "chart-trained-stage-1")),
)
"""The post's story: the MNIST "4"; Convolution OutMaps 16, 5x5 -> 16 x 24 x 24 (asked
first); the post's 84; the same sum on the real image; MaxPooling 2x2 -> 12 x 12 (asked
first); the post's max of 1, 2, 7, 8 = 8; Max Epoch 0: random kernels; train and compare."""

LESSONS: dict[str, tuple[Step, ...]] = {"blog": BLOG}
MAX_STEPS = max(len(steps) for steps in LESSONS.values())


# --- lesson links for a class: a teacher's note, the controls the class may change ------

NOTE_MAX = 200  # characters of a teacher's note (percent-encoded: at most 1,800 URL characters)
NOTE_LINES = 8
ALLOWABLE = ("input", "out_maps", "kernel_shape", "strides", "padding", "dilation", "pooling", "net", "seed")
"""What a lesson link may let a class change: the input; one setting of every layer
(OutMaps, KernelShape, Strides, BorderMode with its Padding, Dilation, the pooling's kind);
the whole network (text, presets, layers added, moved, removed); the weights' seed."""
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def check_note(text: str) -> str:
    """A teacher's note as a link carries it: at most NOTE_MAX characters and NOTE_LINES
    lines, no control, format (bidi), private-use or unassigned character but the line
    break. ValueError otherwise."""
    import unicodedata
    if len(text) > NOTE_MAX or text.count("\n") >= NOTE_LINES:
        raise ValueError("note too long")
    if any(ch != "\n" and unicodedata.category(ch) in _HIDDEN for ch in text):
        raise ValueError("note has a hidden character")
    return text


def parse_allowed(text: str) -> tuple[str, ...]:
    """'kernel_shape.strides' -> the ALLOWABLE codes named (dot-separated, each once),
    in ALLOWABLE's order; '' -> () (nothing restricted: see the page). ValueError otherwise."""
    if not text:
        return ()
    names = text.split(".")
    if len(set(names)) != len(names) or any(n not in ALLOWABLE for n in names):
        raise ValueError("not a list of controls")
    return tuple(a for a in ALLOWABLE if a in names)
