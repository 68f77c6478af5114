"""Telegram's validation rules, as pure functions."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.rules import (
    ApiError,
    check_callback_data,
    check_caption,
    check_reply_markup,
    check_text,
    parse_html,
    split_long_text,
)


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    assert info.value.error_code == 400
    return info.value.description


@pytest.mark.parametrize(
    ("html", "visible"),
    [
        ("plain text", "plain text"),
        ("<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em>", "bold s i e"),
        ("<u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>", "unskd"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ("<code>x</code><pre>y</pre>", "xy"),
        ('<pre><code class="language-python">print()</code></pre>', "print()"),
        ("<blockquote>q</blockquote><blockquote expandable>r</blockquote>", "qr"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("a &lt; b &amp;&amp; c &gt; d &quot;q&quot;", 'a < b && c > d "q"'),
        ("&#60;script&#62; &#x3C;", "<script> <"),
        ("<B>case</B>", "case"),
        ("<b>nested <i>tags</i></b>\nnew line", "nested tags\nnew line"),
        # an '&' that starts no supported entity is a literal '&', as Telegram keeps it
        ("fish & chips", "fish & chips"),
        ("&nbsp; &amp &#0; &#xD800; &", "&nbsp; &amp &#0; &#xD800; &"),
        ("<b>R&D</b> &amp; co", "R&D & co"),
    ],
)
def test_valid_html(html: str, visible: str) -> None:
    assert parse_html(html).text == visible


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("line<br>next", 'Unsupported start tag "br" at byte offset 4'),
        ("<p>para</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("hi <script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 3'),
        ("a < b & c", 'Unsupported start tag "" at byte offset 2'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),  # bytes, not characters
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("fish & <chips>", 'Unsupported start tag "chips" at byte offset 7'),
        ("R&D <b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a > b", 'Character ">" at byte offset 2 must be escaped as "&gt;"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a>x</a>", 'Tag "a" must have attribute "href" at byte offset 0'),
        (
            "<tg-emoji>x</tg-emoji>",
            'Tag "tg-emoji" must have attribute "emoji-id" at byte offset 0',
        ),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
    ],
)
def test_invalid_html(html: str, message: str) -> None:
    assert error_of(parse_html, html) == f"Bad Request: can't parse entities: {message}"


def test_attribute_entities_decode_only_when_supported() -> None:
    parsed = parse_html('<a href="https://x.org/?a=1&b=2&amp;c=&#9999999;">l</a>')
    assert parsed.entities[0]["url"] == "https://x.org/?a=1&b=2&c=&#9999999;"


def test_escaped_partner_text_passes() -> None:
    import html

    partner = "I <3 my carer & <script> says 'hi' > 5"
    assert parse_html(f"<i>{html.escape(partner)}</i>").text == partner


def test_entities_are_reported_in_utf16_units() -> None:
    parsed = parse_html('😀 <b>bold</b> <a href="https://x.org">l</a>')
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "url": "https://x.org", "offset": 8, "length": 1},
    ]


def test_text_length_counts_visible_characters() -> None:
    assert check_text("x" * 4096, None).text == "x" * 4096
    assert error_of(check_text, "x" * 4097, None) == "Bad Request: message is too long"
    # Tags and entities do not count: 4096 visible characters wrapped in markup pass.
    assert len(check_text("<b>" + "&amp;" * 4096 + "</b>", "HTML").text) == 4096
    assert error_of(check_text, "<b>" + "&lt;" * 4097 + "</b>", "HTML") == ("Bad Request: message is too long")


@pytest.mark.parametrize("text", ["", "   ", None, "<b> </b>"])
def test_empty_text(text: str | None) -> None:
    assert error_of(check_text, text, "HTML") == "Bad Request: message text is empty"


def test_long_text_splits_as_telegram_apps_do() -> None:
    assert split_long_text("short") == ["short"]
    assert split_long_text("x" * 4096) == ["x" * 4096]
    assert split_long_text("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]  # no space: cut at the limit
    words = "word " * 1800  # 9,000 characters
    assert [len(part) for part in split_long_text(words)] == [4094, 4094, 810]  # cut at the last space
    paragraphs = "a" * 3000 + "\n" + "b " * 1000
    assert split_long_text(paragraphs) == ["a" * 3000, "b " * 1000]  # a line break beats later spaces
    assert split_long_text("x" * 4096 + " " + "y") == ["x" * 4096, "y"]


def test_caption_length() -> None:
    assert check_caption(None, None) is None
    assert check_caption("c" * 1024, None).text == "c" * 1024
    assert error_of(check_caption, "c" * 1025, None) == "Bad Request: message caption is too long"


def test_unknown_parse_mode() -> None:
    assert "unsupported parse_mode" in error_of(check_text, "x", "BBCode")


@pytest.mark.parametrize("data", ["a", "x" * 64, "é" * 32])
def test_callback_data_within_64_bytes(data: str) -> None:
    check_callback_data(data)


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33, 5])
def test_callback_data_invalid(data: object) -> None:
    assert error_of(check_callback_data, data) == "Bad Request: BUTTON_DATA_INVALID"


def keyboard(*buttons: dict) -> str:
    return json.dumps({"inline_keyboard": [list(buttons)]})


def test_reply_markup_valid() -> None:
    markup = check_reply_markup(keyboard({"text": "Yes", "callback_data": "y"}))
    assert markup == {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    assert check_reply_markup({"remove_keyboard": True}) == {"remove_keyboard": True}
    assert check_reply_markup(None) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "Bad Request: can't parse reply keyboard markup JSON object"),
        ("[1]", "Bad Request: can't parse reply keyboard markup JSON object"),
        (keyboard({"text": "Yes", "callback_data": "x" * 65}), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard({"text": "Yes", "callback_data": ""}), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard({"text": "", "callback_data": "y"}), "Bad Request: BUTTON_TEXT_INVALID"),
        (
            keyboard({"text": "Yes"}),
            ("Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
        ),
    ],
)
def test_reply_markup_invalid(raw: str, message: str) -> None:
    assert error_of(check_reply_markup, raw) == message


def test_edits_take_inline_keyboards_only() -> None:
    assert error_of(check_reply_markup, {"remove_keyboard": True}, inline_only=True) == (
        "Bad Request: inline keyboard expected"
    )
