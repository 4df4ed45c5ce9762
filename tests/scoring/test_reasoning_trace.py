"""The stage parser on hand-written model outputs: expected answer, validity and problem."""

from __future__ import annotations

import pytest

from benchlab.scoring.reasoning_trace import STAGES, parse_trace, trace_summary

GOOD = (
    "<SUMMARY>I will count the shapes.</SUMMARY>"
    "<CAPTION>A red circle and a blue square.</CAPTION>"
    "<REASONING>There is one circle and one square, so two shapes.</REASONING>"
    "<CONCLUSION>B</CONCLUSION>"
)

# (name, output, expected answer, expected valid, expected problem)
CASES = [
    ("well formed", GOOD, "B", True, None),
    (
        "well formed, multi-line with indentation",
        "<SUMMARY>\n  plan\n</SUMMARY>\n\n<CAPTION>\n  a dog\n</CAPTION>\n"
        "<REASONING>\n  it barks\n</REASONING>\n<CONCLUSION>\n  A dog on grass.\n</CONCLUSION>\n",
        "A dog on grass.",
        True,
        None,
    ),
    (
        "lower-case tags",
        GOOD.replace("SUMMARY", "summary").replace("CONCLUSION", "conclusion"),
        "B",
        True,
        None,
    ),
    (
        "mixed case and spaces inside tags",
        "< Summary >s</summary ><CAPTION>c</ Caption><reasoning>r</REASONING>"
        "<  CONCLUSION>  42 </conclusion  >",
        "42",
        True,
        None,
    ),
    ("extra text before and after", "Sure! " + GOOD + " Hope this helps.", "B", True, None),
    (
        "text between stages",
        "<SUMMARY>s</SUMMARY> then <CAPTION>c</CAPTION> so <REASONING>r</REASONING> finally "
        "<CONCLUSION>C</CONCLUSION>",
        "C",
        True,
        None,
    ),
    (
        "missing conclusion",
        GOOD.split("<CONCLUSION>")[0] + " The answer is B.",
        "",
        False,
        "missing CONCLUSION",
    ),
    (
        "missing caption: answer still from the conclusion",
        GOOD.replace("<CAPTION>A red circle and a blue square.</CAPTION>", ""),
        "B",
        False,
        "missing CAPTION",
    ),
    ("missing summary", GOOD.split("</SUMMARY>")[1], "B", False, "missing SUMMARY"),
    (
        "reasoning before caption",
        "<SUMMARY>s</SUMMARY><REASONING>r</REASONING><CAPTION>c</CAPTION>"
        "<CONCLUSION>D</CONCLUSION>",
        "D",
        False,
        "REASONING before CAPTION",
    ),
    (
        "conclusion first",
        "<CONCLUSION>A</CONCLUSION><SUMMARY>s</SUMMARY><CAPTION>c</CAPTION>"
        "<REASONING>r</REASONING>",
        "A",
        False,
        "CONCLUSION before SUMMARY",
    ),
    (
        "conclusion nested in reasoning",
        "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION>"
        "<REASONING>r <CONCLUSION>A</CONCLUSION></REASONING>",
        "",
        False,
        "nested tags",
    ),
    (
        "caption nested in summary, conclusion clean",
        "<SUMMARY>s <CAPTION>c</CAPTION></SUMMARY><REASONING>r</REASONING>"
        "<CONCLUSION>A</CONCLUSION>",
        "A",
        False,
        "nested tags",
    ),
    (
        "overlapping tags",
        "<SUMMARY>s<CAPTION>c</SUMMARY></CAPTION><REASONING>r</REASONING>"
        "<CONCLUSION>A</CONCLUSION>",
        "A",
        False,
        "nested tags",
    ),
    (
        "truncated mid-reasoning",
        "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION><REASONING>first, the circle is",
        "",
        False,
        "unclosed REASONING",
    ),
    (
        "truncated mid-conclusion",
        "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION><REASONING>r</REASONING><CONCLUSION>The ans",
        "",
        False,
        "unclosed CONCLUSION",
    ),
    (
        "truncated inside the closing tag",
        "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION><REASONING>r</REASONING><CONCLUSION>B</CONCLU",
        "",
        False,
        "unclosed CONCLUSION",
    ),
    (
        "empty conclusion",
        GOOD.replace("<CONCLUSION>B</CONCLUSION>", "<CONCLUSION>  \n </CONCLUSION>"),
        "",
        False,
        "empty CONCLUSION",
    ),
    (
        "duplicate conclusion",
        GOOD + "<CONCLUSION>C</CONCLUSION>",
        "",
        False,
        "duplicate CONCLUSION",
    ),
    (
        "duplicate summary",
        "<SUMMARY>a</SUMMARY>" + GOOD,
        "B",
        False,
        "duplicate SUMMARY",
    ),
    (
        "stray closing tag",
        GOOD.replace("<CAPTION>A red", "A red"),
        "B",
        False,
        "stray </CAPTION>",
    ),
    ("plain answer without tags", "The answer is B.", "", False, "missing SUMMARY"),
    ("empty output", "", "", False, "missing SUMMARY"),
    (
        "only a conclusion",
        "<CONCLUSION>B</CONCLUSION>",
        "B",
        False,
        "missing SUMMARY",
    ),
    (
        "unknown tags are plain text",
        GOOD.replace("<CONCLUSION>B", "<CONCLUSION><ANSWER>B</ANSWER>"),
        "<ANSWER>B</ANSWER>",
        True,
        None,
    ),
]


@pytest.mark.parametrize(
    ("output", "answer", "valid", "problem"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_parse_trace(output: str, answer: str, valid: bool, problem: str | None) -> None:
    trace = parse_trace(output)
    assert (trace.answer, trace.valid, trace.problem) == (answer, valid, problem)


def test_at_least_twenty_hand_written_cases() -> None:
    assert len(CASES) >= 20


def test_stages_hold_each_parsed_stage_in_order() -> None:
    trace = parse_trace("  " + GOOD.replace("SUMMARY>I will", "SUMMARY>\n I  will"))
    assert list(trace.stages) == list(STAGES)
    assert trace.stages["SUMMARY"] == "I  will count the shapes."
    assert trace.stage_words == {"SUMMARY": 5, "CAPTION": 7, "REASONING": 10, "CONCLUSION": 1}


def test_nested_and_unclosed_stages_are_left_out_of_stages() -> None:
    trace = parse_trace("<SUMMARY>s <CAPTION>c</CAPTION></SUMMARY><REASONING>half")
    assert trace.stages == {}


def test_trace_summary_counts_shares_and_lengths() -> None:
    traces = [
        parse_trace(GOOD),
        parse_trace("<SUMMARY>one two three</SUMMARY><CONCLUSION>A</CONCLUSION>"),
        parse_trace("no tags"),
        parse_trace(GOOD.replace("I will count the shapes.", "a b")),
    ]
    summary = trace_summary(traces)
    assert summary["n"] == 4
    assert summary["well_formed"] == 2
    assert summary["well_formed_share"] == 0.5
    assert summary["stage_words"]["SUMMARY"] == {"n": 3, "mean": 10 / 3, "median": 3.0}
    assert summary["stage_words"]["CAPTION"] == {"n": 2, "mean": 7.0, "median": 7.0}
    assert summary["stage_words"]["CONCLUSION"]["n"] == 3


def test_trace_summary_of_nothing() -> None:
    summary = trace_summary([])
    assert summary["n"] == 0 and summary["well_formed_share"] is None
    assert summary["stage_words"]["REASONING"] == {"n": 0, "mean": None, "median": None}
