"""Echo a visitor's text (a URL value, stack text, a file name) as literal text in
Streamlit markdown: no link, image, emoji, colour or icon can be formed from it.

Streamlit renders notices, captions and labels as markdown with its own extensions
(`:red[...]`, `:material/...:`, emoji shortcodes, `$...$`). Backslash escapes do not
stop the extensions (they act after escapes are resolved), so the text goes into an
inline code span, whose content markdown shows as it is. No Streamlit import.
"""

from __future__ import annotations

import unicodedata

MAX_CHARS = 80
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, format (bidi) and line breaks


class Shown(str):
    """Markdown made by `literal` (so cnnlab.ui.i18n.Text does not quote it again)."""


def literal(value: object, max_chars: int = MAX_CHARS) -> Shown:
    """Markdown that shows str(value) verbatim: an inline code span, longer than any run
    of backticks inside; control and format characters (newlines, bidi overrides) shown
    as \\uXXXX; cut to max_chars with an ellipsis."""
    text = str(value)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    text = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in _HIDDEN else ch for ch in text)
    # Streamlit rewrites ":material/name:" even inside code spans; a word joiner stops it.
    text = text.replace(":material/", ":\u2060material/")
    if not text:
        return Shown('`""`')
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return Shown(f"{fence}{pad}{text}{pad}{fence}")
