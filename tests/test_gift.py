"""GIFT import and export (lms.quizzes.gift): pure functions, no app needed."""

import random
from pathlib import Path

import pytest

from lms.quizzes.gift import GiftError, dump_gift, parse_gift
from lms.quizzes.moodle_xml import dump_moodle_xml, parse_moodle_xml
from lms.quizzes.spec import BLANK, AnswerSpec, QuestionFormatError, QuestionSpec

BUNDLED = sorted((Path(__file__).parent.parent / "courses").glob("*/*/*.gift"))


def one(text: str) -> QuestionSpec:
    questions = parse_gift(text)
    assert len(questions) == 1, questions
    return questions[0]


def fields(answers: list[AnswerSpec], *names: str) -> list[tuple]:
    return [tuple(getattr(a, name) for name in names) for a in answers]


# --- layout: comments, blank lines, lines -------------------------------------------------------------------


def test_comments_and_blank_lines_separate_questions():
    questions = parse_gift(
        "// a comment before anything\n"
        "Q1 {=a ~b}\n"
        "\n\n   \n"
        "  // a comment between questions\n"
        "\n"
        "Q2 {T}\n"
        "// the last line is a comment\n"
    )
    assert [(q.text, q.kind) for q in questions] == [("Q1", "multichoice"), ("Q2", "truefalse")]


def test_comment_line_inside_a_question_is_dropped_and_does_not_split_it():
    q = one("Which?\n// not part of the question\n{\n=a\n// nor of the answers\n~b\n}")
    assert q.text == "Which?"
    assert fields(q.answers, "text") == [("a",), ("b",)]


def test_question_and_answers_span_lines():
    q = one("::Multi::First line\nsecond line\n{\n  =right\n   answer#good\n  ~wrong\n}")
    assert q.text == "First line\nsecond line"
    assert fields(q.answers, "text", "feedback") == [("right\n   answer", "good"), ("wrong", "")]


def test_empty_input_and_windows_line_ends_and_bom():
    assert parse_gift("") == []
    assert parse_gift("// only a comment\n\n") == []
    questions = parse_gift("\ufeffQ1 {=a ~b}\r\n\r\nQ2 {T}\r\n")
    assert [q.text for q in questions] == ["Q1", "Q2"]


# --- title and name -----------------------------------------------------------------------------------------


def test_title_is_the_name():
    q = one("::Capital of France:: Which city? {=Paris ~Lyon}")
    assert (q.name, q.text) == ("Capital of France", "Which city?")


def test_title_on_its_own_line():
    q = one("::Title::\nThe text\n{=a ~b}")
    assert (q.name, q.text) == ("Title", "The text")


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("Short text {=a ~b}", "Short text"),
        ("Spread   over\n  two   lines {=a ~b}", "Spread over two lines"),
        ("x" * 70 + " {=a ~b}", "x" * 60),
        ("[html]<p>Bold <b>move</b></p> {=a ~b}", "Bold move"),
        ("[plain]a <b> c {=a ~b}", "a <b> c"),
        ("Moodle costs {~lots =nothing} to download.", "Moodle costs _____ to download."),
    ],
)
def test_without_title_the_name_is_the_plain_text(source, name):
    assert one(source).name == name


# --- categories ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("$CATEGORY: $course$/top/Marketing/Module 1", "Marketing/Module 1"),
        ("$CATEGORY: $course$/Marketing", "Marketing"),
        ("$CATEGORY: top/Marketing", "Marketing"),
        ("$CATEGORY:Marketing", "Marketing"),
        ("$CATEGORY: top", ""),
        ("$CATEGORY: $course$/top", ""),
        ("$CATEGORY: $course$/top/top/x", "top/x"),
    ],
)
def test_category_path(line, category):
    assert one(f"{line}\n\nQ {{=a ~b}}").category == category


def test_category_applies_to_the_following_questions_until_the_next():
    questions = parse_gift(
        "Q0 {T}\n\n$CATEGORY: $course$/top/A\n\nQ1 {T}\n\nQ2 {T}\n\n"
        "$CATEGORY: B\nQ3 {T}\n\n$CATEGORY: top\n\nQ4 {T}"
    )
    assert [(q.text, q.category) for q in questions] == [
        ("Q0", ""),
        ("Q1", "A"),
        ("Q2", "A"),
        ("Q3", "B"),  # a category line straight above a question works too
        ("Q4", ""),
    ]


# --- text formats -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text_format", "text"),
    [
        ("What? {T}", "moodle", "What?"),
        ("[moodle]What? {T}", "moodle", "What?"),
        ("[markdown]What *is* it? {T}", "markdown", "What *is* it?"),
        ("::T::[html]<p>What?</p>{T}", "html", "<p>What?</p>"),
        ("::T:: [plain] a < b? {T}", "plain", "a < b?"),
        ("[HTML]What? {T}", "moodle", "[HTML]What?"),  # not a format marker: kept as text
    ],
)
def test_text_format(source, text_format, text):
    q = one(source)
    assert (q.text_format, q.text) == (text_format, text)


def test_format_markers_on_answers_and_feedback_are_dropped():
    q = one("[html]Q{=[html]<b>a</b>#[markdown]*yes* ~[plain]b####[html]<i>general</i>}")
    assert fields(q.answers, "text", "feedback") == [("<b>a</b>", "*yes*"), ("b", "")]
    assert q.general_feedback == "<i>general</i>"


# --- escapes ------------------------------------------------------------------------------------------------


def test_escaped_characters_are_text():
    q = one(r"::a\:b::Is 1 \= 1 \{really\} \~ \#1? {=yes \= \~#sure \# \: ~no}")
    assert q.name == "a:b"
    assert q.text == "Is 1 = 1 {really} ~ #1?"
    assert fields(q.answers, "text", "feedback") == [("yes = ~", "sure # :"), ("no", "")]


def test_backslash_n_is_a_newline_and_double_backslash_a_backslash():
    q = one(r"Line one\nline two, C:\\temp\\new, \x stays {=a\nb ~c}")
    assert q.text == "Line one\nline two, C:\\temp\\new, \\x stays"
    assert q.answers[0].text == "a\nb"


def test_dump_escapes_again():
    q = QuestionSpec("shortanswer", "n: 1", "a = b {c} ~d #e \\ f\ng", answers=[AnswerSpec("x=y", 1.0)])
    text = dump_gift([q])
    assert text == "::n\\: 1::a \\= b \\{c\\} \\~d \\#e \\\\ f\\ng{\n=x\\=y\n}\n"
    assert parse_gift(text) == [q]


# --- multiple choice ----------------------------------------------------------------------------------------


def test_multichoice_one_answer():
    q = one("Colour of the sky? {=blue#Yes ~green#No ~red}")
    assert (q.kind, q.single) == ("multichoice", True)
    assert fields(q.answers, "text", "fraction", "feedback") == [
        ("blue", 1.0, "Yes"),
        ("green", 0.0, "No"),
        ("red", 0.0, ""),
    ]
    assert not q.is_missing_word


def test_multichoice_weights_on_tilde_and_equals_answers():
    q = one("Hard {~%50%half =full ~%-33.33333%minus =%25%quarter}")
    assert q.single is True  # a '=' answer and no set of answers sharing exactly 100 %
    assert [a.fraction for a in q.answers] == [0.5, 1.0, -0.3333333, 0.25]


def test_multiple_answers_only_weighted_tildes():
    q = one("Which two? {~%50%Grant ~%50%his wife ~%-100%no one}")
    assert (q.kind, q.single) == ("multichoice", False)
    assert [a.fraction for a in q.answers] == [0.5, 0.5, -1.0]


def test_multiple_answers_equals_with_weights_summing_to_100():
    q = one("Which three? {=%33.33333%a =%33.33333%b =%33.33333%c ~%-100%d}")
    assert q.single is False
    assert one("Which? {=%50%a =%50%b ~c}").single is False
    assert one("Either? {=a =b ~c}").single is True  # two full-mark answers: either one is right


def test_multichoice_tilde_with_full_weight_and_no_equals_is_multiple():
    assert one("Q {~%100%a ~b}").single is False


# --- true/false ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "truth"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false(word, truth):
    q = one(f"The sun rises in the east.{{{word}}}")
    assert q.kind == "truefalse"
    assert fields(q.answers, "text", "fraction") == [("true", float(truth)), ("false", float(not truth))]


def test_true_false_feedback_goes_to_the_answer_that_shows_it():
    # Moodle's order: first the text for a wrong answer, then the text for a right one.
    q = one("Grant is buried in Grant's tomb.{F#No, nobody is buried there.#Right, it is a mausoleum.}")
    assert fields(q.answers, "text", "fraction", "feedback") == [
        ("true", 0.0, "No, nobody is buried there."),  # who picks "true" is wrong
        ("false", 1.0, "Right, it is a mausoleum."),
    ]
    q = one("The sun rises in the east.{TRUE#Wrong, look again.#Correct.####It always does.}")
    assert fields(q.answers, "text", "feedback") == [("true", "Correct."), ("false", "Wrong, look again.")]
    assert q.general_feedback == "It always does."


def test_true_false_with_only_the_wrong_feedback():
    q = one("Q{T#Think again}")
    assert fields(q.answers, "feedback") == [("",), ("Think again",)]


# --- short answer -------------------------------------------------------------------------------------------


def test_short_answer():
    q = one("Who's buried in Grant's tomb?{=Grant#Yes =%50%Ulysses#Half =Ulysses S. Grant}")
    assert q.kind == "shortanswer"
    assert fields(q.answers, "text", "fraction", "feedback") == [
        ("Grant", 1.0, "Yes"),
        ("Ulysses", 0.5, "Half"),
        ("Ulysses S. Grant", 1.0, ""),
    ]


def test_short_answer_with_text_after_it_has_a_blank():
    q = one("Two plus two equals {=four =4}.")
    assert (q.kind, q.text) == ("shortanswer", f"Two plus two equals {BLANK}.")


# --- numerical ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "value", "tolerance"),
    [
        ("{#3:0.5}", 3.0, 0.5),
        ("{#1..5}", 3.0, 2.0),
        ("{#-5..-1}", -3.0, 2.0),
        ("{#3}", 3.0, 0.0),
        ("{#=2.5e3:10}", 2500.0, 10.0),
        ("{#\n=25:0#Right\n}", 25.0, 0.0),
    ],
)
def test_numerical(block, value, tolerance):
    q = one(f"How much? {block}")
    assert q.kind == "numerical"
    assert fields(q.answers, "text", "value", "tolerance", "fraction") == [("", value, tolerance, 1.0)]


def test_numerical_several_answers_with_weights_and_any_other_answer():
    q = one("When was Grant born?{#\n=1822:0#Correct\n=%50%1822:2#Close\n~#Wrong\n}")
    assert fields(q.answers, "value", "tolerance", "fraction", "feedback") == [
        (1822.0, 0.0, 1.0, "Correct"),
        (1822.0, 2.0, 0.5, "Close"),
        (None, 0.0, 0.0, "Wrong"),  # Moodle's "*" answer: anything else
    ]
    q = one("x {# =%100%3:0 =%50%3:1 ~ wrong}")
    expected = [(3.0, 1.0, ""), (3.0, 0.5, ""), (None, 0.0, "wrong")]  # without '#', the text is the feedback
    assert fields(q.answers, "value", "fraction", "feedback") == expected


# --- matching -----------------------------------------------------------------------------------------------


def test_matching():
    q = one("Match the capitals.{\n=Canada -> Ottawa\n=Italy  -> Rome\n=Japan->Tokyo\n####Good to know.\n}")
    assert q.kind == "matching"
    assert fields(q.answers, "text", "match", "fraction") == [
        ("Canada", "Ottawa", 1.0),
        ("Italy", "Rome", 1.0),
        ("Japan", "Tokyo", 1.0),
    ]
    assert q.general_feedback == "Good to know."


def test_matching_empty_left_side_is_an_extra_choice():
    q = one("Match.{=a -> 1 =b -> 2 =c -> 3 = -> 4}")
    assert fields(q.answers, "text", "match") == [("a", "1"), ("b", "2"), ("c", "3"), ("", "4")]


# --- missing word, essay, description, general feedback -----------------------------------------------------


def test_missing_word():
    q = one("Moodle costs {~lots =nothing} to download.")
    assert (q.kind, q.single, q.text) == ("multichoice", True, "Moodle costs _____ to download.")
    assert q.is_missing_word
    assert fields(q.answers, "text", "fraction") == [("lots", 0.0), ("nothing", 1.0)]


def test_block_first_then_text():
    q = one("{=Moodle ~Nothing} is an e-learning system.")
    assert q.text == f"{BLANK} is an e-learning system."


def test_essay():
    q = one("Write a short biography of Dag Hammarskjöld. {}")
    assert (q.kind, q.answers, q.general_feedback) == ("essay", [], "")
    q = one("Write about it. {\n####We look for three arguments.\n}")
    assert (q.kind, q.general_feedback) == ("essay", "We look for three arguments.")


def test_description():
    q = one("::Intro::You are now going to answer questions about Grant.")
    assert (q.kind, q.name, q.answers) == ("description", "Intro", [])
    assert q.text == "You are now going to answer questions about Grant."


def test_general_feedback():
    q = one("Q{=a#right ~b#wrong####[html]Read <b>chapter 2</b>.}")
    assert q.general_feedback == "Read <b>chapter 2</b>."
    assert fields(q.answers, "feedback") == [("right",), ("wrong",)]


# --- Unicode ------------------------------------------------------------------------------------------------


def test_greek_and_cyrillic():
    questions = parse_gift(
        "$CATEGORY: $course$/top/Μάρκετινγκ\n\n"
        "::Ερώτηση::Ποιο είναι σωστό;{=Αθήνα#Σωστά ~Θεσσαλονίκη}\n\n"
        "::Прашање::Главен град на Србија е {=Белград =Beograd}.\n\n"
        "Поврзете.{=Скопје -> Македонија =София -> България =Атина -> Гърция}"
    )
    assert [(q.kind, q.category, q.name) for q in questions] == [
        ("multichoice", "Μάρκετινγκ", "Ερώτηση"),
        ("shortanswer", "Μάρκετινγκ", "Прашање"),
        ("matching", "Μάρκετινγκ", "Поврзете."),
    ]
    assert fields(questions[0].answers, "text", "feedback") == [("Αθήνα", "Σωστά"), ("Θεσσαλονίκη", "")]
    assert questions[1].text == f"Главен град на Србија е {BLANK}."
    assert questions[2].answers[1].match == "България"
    assert parse_gift(dump_gift(questions)) == questions


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("Q1 {T}\n\nWhich one?\n{=a\n~b\n\n~c}", 4, "'{' is not closed"),
        ("Q {=a ~b {=c}", 1, "'{' is not closed"),
        ("Which one?\n=a ~b}", 2, "'}' without"),
        ("Q {=a ~b}\n}", 2, "'}' without"),
        ("Q {=a ~b} and then\n{=c ~d}", 2, "second answer block"),
        ("Q {=}", 1, "empty answer"),
        ("Q {~}", 1, "empty answer"),
        ("Q {\n=a\n~#only feedback\n}", 3, "empty answer"),
        ("Q {\n~a\n~b\n}", 1, "no correct answer"),
        ("Q {~%-50%a ~%0%b}", 1, "no correct answer"),
        ("Q {\n=a\n~%150%b\n}", 3, "unknown weight '%150%'"),
        ("Q {=a ~%-101%b}", 1, "unknown weight"),
        ("Q {=a ~%half%b}", 1, "unknown weight '%half%'"),
        ("Q {=%50 a ~b}", 1, "unknown weight"),
        ("Q {=%x%a}", 1, "unknown weight"),
        ("Q {#=%200%3}", 1, "unknown weight"),
        ("Match {\n=a -> 1\n=b -> 2\n}", 1, "at least 3 pairs"),
        ("Match {\n=a -> 1\n=b\n=c -> 3\n}", 3, "no '->'"),
        ("Match {=a -> 1 =b -> 2 =c -> }", 1, "nothing after '->'"),
        ("How much?\n{#\n=three:1\n}", 3, "'three' is not a number"),
        ("How much? {#3:x}", 1, "'x' is not a number"),
        ("How much? {#1..b}", 1, "not a number"),
        ("How much? {#5..1}", 1, "negative"),
        ("How much? {#}", 1, "needs an answer"),
        ("How much? {#1e999}", 1, "out of range"),
        ("Q1 {T}\n\n::No end\nof the title {=a ~b}", 3, "title is not closed"),
        ("Q {foo ~a}", 1, "'foo' is not an answer"),
        ("Q {x->y}", 1, "cannot contain '->'"),
        ("Q {=a ~%33%b}", 1, "the nearest is 33.33333 %"),
        ("Q {#=%45%3 =2}", 1, "not a grade Moodle allows"),
        ("Match {\n=a -> 1#well done\n=b -> 2\n=c -> 3\n}", 2, "no feedback in Moodle"),
        ("Q {\n  foo ~a =b}", 2, "not an answer"),
        ("::Title::{=a ~b}", 1, "no text"),
    ],
)
def test_errors(source, line, words):
    with pytest.raises(GiftError) as caught:
        parse_gift(source)
    assert caught.value.line == line
    assert words in caught.value.message
    assert str(caught.value) == f"line {line}: {caught.value.message}"


def test_error_lines_count_comments_and_earlier_questions():
    source = "// header\n\nQ1 {=a ~b}\n\n// about Q2\nQ2 {\n=a\n// skipped\n~%x%b\n}"
    with pytest.raises(GiftError) as caught:
        parse_gift(source)
    assert caught.value.line == 9


def test_gift_error_is_a_question_format_error():
    with pytest.raises(QuestionFormatError):
        parse_gift("Q {")


# --- dump: the canonical form -------------------------------------------------------------------------------


def test_canonical_dump():
    questions = parse_gift(
        "::Sky::Colour of the sky? {=blue#Yes ~green ~%-50%red}\n\n"
        "$CATEGORY: $course$/top/Module 1\n\n"
        "::Two::[markdown]Which *two*? {~%50%a ~%50%b ~c}\n\n"
        "::Sun::The sun rises in the east.{TRUE#Wrong#Right}\n\n"
        "::Pi::Pi? {#3.14:0.01}\n\n"
        "::Range::Between? {#1..5 ~#No}\n\n"
        "::Caps::Match.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo####Capitals.}\n\n"
        "::Costs::Moodle costs {~lots =nothing} to download.\n\n"
        "::Bio::Write. {}\n\n"
        "::Intro::Read this."
    )
    assert dump_gift(questions) == (
        "::Sky::Colour of the sky?{\n=blue#Yes\n~green\n~%-50%red\n}\n\n"
        "$CATEGORY: $course$/top/Module 1\n\n"
        "::Two::[markdown]Which *two*?{\n~%50%a\n~%50%b\n~c\n}\n\n"
        "::Sun::The sun rises in the east.{T#Wrong#Right}\n\n"
        "::Pi::Pi?{#\n=3.14:0.01\n}\n\n"
        "::Range::Between?{#\n=3:2\n~#No\n}\n\n"
        "::Caps::Match.{\n=Canada -> Ottawa\n=Italy -> Rome\n=Japan -> Tokyo\n####Capitals.\n}\n\n"
        "::Costs::Moodle costs {\n~lots\n=nothing\n} to download.\n\n"
        "::Bio::Write.{}\n\n"
        "::Intro::Read this.\n"
    )


def test_dump_writes_the_first_category_and_returns_to_top():
    questions = [
        QuestionSpec("essay", "A", "a", category="Unit 1"),
        QuestionSpec("essay", "B", "b", category=""),
    ]
    assert dump_gift(questions) == (
        "$CATEGORY: $course$/top/Unit 1\n\n::A::a{}\n\n$CATEGORY: $course$/top\n\n::B::b{}\n"
    )
    assert parse_gift(dump_gift(questions)) == questions
    assert dump_gift([]) == ""


@pytest.mark.parametrize(
    "fraction", [1 / 3, 2 / 3, 0.1, 1 / 7, -1 / 3, 0.3333333, 1e-7, 0.8333333, -0.999999]
)
def test_weights_survive_exactly(fraction):
    answers = [AnswerSpec("a", fraction), AnswerSpec("b", 1.0)]
    q = QuestionSpec("multichoice", "n", "t", answers=answers, single=False)
    assert parse_gift(dump_gift([q])) == [q]
    assert "e" not in dump_gift([q]).split("%")[1]  # plain decimals, no exponent


def test_weights_are_written_short():
    q = one("Q{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert "%33.33333%a" in dump_gift([q])
    assert "%-100%d" in dump_gift([q])


def test_numbers_without_trailing_zero_and_exact():
    answers = [AnswerSpec(fraction=1.0, value=3.0), AnswerSpec(fraction=0.5, value=0.3, tolerance=1 / 3)]
    answers[1].value = 0.1 + 0.2  # 0.30000000000000004: needs all 17 digits
    q = QuestionSpec("numerical", "n", "t", answers=answers)
    text = dump_gift([q])
    assert "=3\n" in text and "=%50%0.30000000000000004:0.3333333333333333\n" in text
    assert parse_gift(text) == [q]


def test_dump_keeps_texts_that_look_like_syntax():
    q = QuestionSpec(
        "multichoice",
        "[html]name",
        "[html]<b>not html</b>",
        answers=[
            AnswerSpec("%50% off", 1.0, "[plain]x"),
            AnswerSpec("->", 0.0),
            AnswerSpec("a//b", 0.0),
        ],
    )
    text = dump_gift([q])
    assert "[moodle][html]" in text and "=%100%%50% off" in text
    assert parse_gift(text) == [q]


def test_dump_of_a_one_answer_question_whose_answers_are_all_right_keeps_a_tilde():
    q = one("Either one {=a ~%100%b}")
    assert (q.kind, q.single) == ("multichoice", True)
    assert dump_gift([q]) == "::Either one::Either one{\n=a\n~%100%b\n}\n"
    assert parse_gift(dump_gift([q])) == [q]


def test_dump_of_a_text_that_ends_with_underscores_keeps_the_block_at_the_end():
    q = one("Fill in _____ {=a ~b}")
    assert q.text == f"Fill in {BLANK}"
    assert dump_gift([q]).startswith(f"::Fill in {BLANK}::Fill in {BLANK}{{")
    assert parse_gift(dump_gift([q])) == [q]


# --- round trips --------------------------------------------------------------------------------------------

SAMPLE = r"""// Every GIFT feature once; the round trip must give back what was parsed.
$CATEGORY: $course$/top/Sample/Part 1

::Plain multichoice::Which colour? {=blue#Yes ~green#No ~red}

Without a title, on
two lines {
    =right#good
    ~wrong#bad
    ####[markdown]General *feedback*
}

::Weights::Hard one {~%50%half =full ~%-33.33333%minus}

::Checkboxes::Which two? {~%50%a ~%50%b ~%-100%c}

::Shared full mark::Which three? {=%33.33333%a =%33.33333%b =%33.33333%c ~d}

::TF::[html]<p>Sun in the east?</p>{TRUE#Wrong#Right####Always.}

::F plain::Buried?{F}

::F one feedback::Buried?{F#Think again}

::Short::Who? {=Grant#Yes =%50%Ulysses}

::Short blank::Two plus two equals {=four =4}.

$CATEGORY: Sample/Part 2

::Num::Pi?{#3.14159:0.0005}

::Range::Between? {#1..5}

::Multi num::When?{#
    =1822:0#Correct
    =%50%1822:2#Close
    ~#Wrong
}

::Bare num::Exact?{#-3}

::Match::Capitals {
    =Canada -> Ottawa
    =Italy -> Rome
    =Japan -> Tokyo
    = -> Paris
    ####Geography.
}

::Missing::Moodle costs {~lots =nothing} to download.

::Essay::Write it. {}

::Essay fb::Write more. {####Length counts.}

::Intro::[markdown]Some *instructions*.

::Esc\:aped::a \= b \{c\} \~d \#e \\ f\ng {=x\=y#\#1 ~\~z}

$CATEGORY: top

::Ελληνικά::Ποιο; {=Αθήνα#Σωστά ~Σόφια}

::Кирилица::Кој град? {=Скопје =%50%Skopje}
"""


def test_sample_covers_every_kind_and_round_trips():
    questions = parse_gift(SAMPLE)
    assert {q.kind for q in questions} == {
        "multichoice",
        "truefalse",
        "shortanswer",
        "numerical",
        "matching",
        "essay",
        "description",
    }
    assert {q.category for q in questions} == {"Sample/Part 1", "Sample/Part 2", ""}
    assert {q.single for q in questions if q.kind == "multichoice"} == {True, False}
    dumped = dump_gift(questions)
    assert parse_gift(dumped) == questions
    assert dump_gift(parse_gift(dumped)) == dumped  # the canonical form is a fixed point


def test_bundled_quizzes_exist():
    assert len(BUNDLED) >= 5


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: "/".join(p.parts[-3:-1]))
def test_bundled_quiz_round_trips(path):
    questions = parse_gift(path.read_text(encoding="utf-8"))
    assert questions
    assert all(q.name and q.text for q in questions)
    assert parse_gift(dump_gift(questions)) == questions


def test_bundled_quizzes_use_the_main_kinds():
    kinds = {q.kind for path in BUNDLED for q in parse_gift(path.read_text(encoding="utf-8"))}
    assert {"multichoice", "truefalse", "shortanswer", "numerical", "matching"} <= kinds


FRAGMENTS = [
    "::", "{", "}", "=", "~", "#", "####", "->", "%50%", "%-33.3%", "%100%", "%x%", "\\", "\\~", "\\=",
    "\\#", "\\{", "\\}", "\\:", "\\\\", "\\n", "\n", "\n\n", " ", "a", "Ωж", "T", "FALSE", "[html]",
    "[moodle]", "<b>", BLANK, "..", "3", "-2.5", ":0.5", "//", "$CATEGORY: ", "top/", "%",
]  # fmt: skip


def test_random_texts_either_fail_with_a_line_or_round_trip():
    rng = random.Random(20240607)
    parsed = 0
    for _ in range(3000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 20)))
        try:
            questions = parse_gift(text)
        except GiftError as error:
            assert 1 <= error.line <= text.count("\n") + 1, (text, error)
            continue
        parsed += 1
        assert parse_gift(dump_gift(questions)) == questions, text
        # docs/quiz-formats.md promises GIFT -> Moodle XML -> GIFT for everything the reader accepts.
        assert parse_moodle_xml(dump_moodle_xml(questions)) == questions, text
    assert parsed > 300


def test_question_text_over_the_limit_names_the_line():
    with pytest.raises(GiftError) as error:
        parse_gift("::ok:: 2+2? {=4 ~5}\n\n::long:: " + "word " * 4_001 + "{=a ~b}")
    assert error.value.line == 3 and "at most 20,000 are allowed" in error.value.message


# --- forms Moodle accepts ---------------------------------------------------------------------------------


def test_a_bare_tilde_before_another_answer_is_dropped_as_moodle_does():
    q = one("Q {~a ~b ~=c}")
    assert [(a.text, a.fraction) for a in q.answers] == [("a", 0.0), ("b", 0.0), ("c", 1.0)]
    assert one("Q {~a~~b =c}").answers == one("Q {~a ~b =c}").answers


def test_a_short_answer_may_start_without_equals():
    assert [(a.text, a.fraction) for a in one("Capital? {Athens}").answers] == [("Athens", 1.0)]
    q = one("Capital? {Athens#Yes =%50%Athina}")
    assert q.kind == "shortanswer"
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("Athens", 1.0, "Yes"),
        ("Athina", 0.5, ""),
    ]
