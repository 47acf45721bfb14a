"""Chapters by discussion question."""

from __future__ import annotations

from dataclasses import asdict

from audio_pipeline.transcript import find_chapters, parse_transcript, read_transcript

# An answer long enough (about 40 s estimated) that its chapter is not merged away as too short.
LONG = "Because the systems we build decide what the models can learn. " * 11


def test_example_chapters(example, golden):
    t = read_transcript(example)
    chapters = find_chapters(t)
    assert [c.title for c in chapters] == [
        "1. 你如何定位在这个光谱上？",
        "2. 学术界在这一领域的研究角色是什么？",
        "3. 他们能正确评估工作吗？",
        "4. 这是唯一的解决方案吗，还是我们可以混合 PC？",
        "5. 你认为机器学习专家也需要成为系统专家吗？",
        "6. 一个真正民主化的 AI 景观是什么样子，我们离这样的世界有多远",
        "7. 我们是否需要在机器学习或系统-机器学习中更多地担心这些事情",
        "8. 听众提问：我真的很想听听杰夫对系统机器学习的看法",
        "9. 真正的问题是为什么它没有在生产中使用？",
        "10. 听众提问：有什么解决方案可以让人们更容易地进入呢？",
        "11. 听众提问：已经做出了任何决定吗，我们往哪里走？",
        "12. 告诉我你对未来 50-100 年真正激动的事情",
    ]
    assert all(len(c.title) <= 51 for c in chapters)
    # the question that starts inside the moderator's unlabelled continuation paragraph
    assert (chapters[-1].turn, chapters[-1].paragraph) == (61, 1)
    # a question that breaks off mid-sentence still opens a chapter
    assert t.turns[chapters[4].turn].text.endswith("然后你")
    golden("systems-ml-panel.chapters.json", [asdict(c) for c in chapters])


def test_remark_without_question_opens_no_chapter():
    t = parse_transcript(f"M: Why systems?\n\nJG: {LONG}\n\nM: We do badly at systems.\n\nGG: {LONG}\n")
    assert [c.title for c in find_chapters(t)] == ["1. Why systems?"]


def test_follow_up_before_any_answer_stays_in_chapter():
    t = parse_transcript("M: Why is RL not in production?\n\nA: Isn't it because it cannot be verified?\n\n"
                         f"GG: {LONG}\n\nA: How do we lower costs?\n\nJG: {LONG}\n")
    chapters = find_chapters(t)
    assert [(c.turn, c.asked_by) for c in chapters] == [(0, "M"), (3, "A")]


def test_speech_before_first_question_is_an_opening_chapter():
    t = parse_transcript(f"JG: Welcome everyone to the panel. {LONG}\n\nM: What is your community?\n\nJG: {LONG}\n")
    chapters = find_chapters(t)
    assert [c.title for c in chapters] == ["1. Welcome everyone to the panel", "2. What is your community?"]
    assert chapters[0].asked_by is None


def test_long_question_is_cut_readably():
    q = "M: " + "关于这个问题，" * 8 + "你认为什么是最重要的？\n\nJG: 数据。\n"
    title = find_chapters(parse_transcript(q))[0].title
    assert title == "1. 你认为什么是最重要的？"


# ---- beyond moderated panels: interviews, headings, plain transcripts --------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from audio_pipeline.model import (GUEST, HOST, MODERATOR, NARRATOR, PANELIST, PSEUDO, Heading,  # noqa: E402
                                  Metadata, Paragraph, Speaker, Transcript, Turn)
from audio_pipeline.transcript.chapters import chapter_seconds, unanswered_questions  # noqa: E402
from audio_pipeline.transcript.chapters import MIN_CHAPTER_SECONDS  # noqa: E402


def make(turns, roles, *, headings=(), language="en") -> Transcript:
    """A transcript built directly: ``turns`` as (speaker, text) pairs, one paragraph each."""
    return Transcript("t.md", Metadata(title="T", language=language),
                      tuple(Speaker(code, code.title(), role) for code, role in roles.items()),
                      tuple(Turn(i, code, (Paragraph(text, 2 * i + 1),)) for i, (code, text) in enumerate(turns)),
                      headings=tuple(headings))


ANSWER = ("Well, it started when I was working on compilers and noticed that nobody measured anything. "
          "So we built the tools ourselves, and that became the company. ") * 4  # ~50 s estimated


def test_interview_chapters_are_the_hosts_questions():
    t = make([("HO", "Welcome to the show. Today my guest builds databases. How did you get started?"),
              ("GU", ANSWER), ("HO", "Interesting. What surprised you most about running a company?"),
              ("GU", ANSWER), ("HO", "That's great."), ("GU", ANSWER),
              ("HO", "Where do you see the field in ten years?"), ("GU", ANSWER)],
             {"HO": HOST, "GU": GUEST})
    chapters = find_chapters(t)
    assert [(c.title, c.turn, c.asked_by) for c in chapters] == [
        ("1. How did you get started?", 0, "HO"),
        ("2. What surprised you most about running a…", 2, "HO"),
        ("3. Where do you see the field in ten years?", 6, "HO"),
    ]


def test_chinese_interview_chapters_are_the_hosts_questions():
    long = "我最早是做编译器的，后来发现没有人认真测量性能，于是我们自己写了工具，最后变成了一家公司。" * 4
    t = make([("HO", "欢迎收听。你是怎么开始做这件事的？"), ("GU", long), ("HO", "创业最难的是什么"), ("GU", long)],
             {"HO": HOST, "GU": GUEST}, language="zh")
    assert [c.title for c in find_chapters(t)] == ["1. 你是怎么开始做这件事的？", "2. 创业最难的是什么"]


def test_short_question_chapter_merges_into_the_previous():
    t = make([("HO", "How did you start?"), ("GU", ANSWER), ("HO", "Really?"), ("GU", "Yes, really."),
              ("HO", "Why databases?"), ("GU", ANSWER)], {"HO": HOST, "GU": GUEST})
    chapters = find_chapters(t)
    assert [(c.turn, c.question) for c in chapters] == [(0, "How did you start?"), (4, "Why databases?")]
    assert all(s >= MIN_CHAPTER_SECONDS for s in chapter_seconds(t, chapters))
    assert len(find_chapters(t, min_seconds=0)) == 3  # the setting can keep every question


def test_short_opening_merges_into_the_first_question():
    t = make([("GU", "Hi."), ("HO", "What do you do?"), ("GU", ANSWER), ("HO", "And why?"), ("GU", ANSWER)],
             {"HO": HOST, "GU": GUEST})
    chapters = find_chapters(t)
    assert [(c.title, c.turn) for c in chapters] == [("1. What do you do?", 0), ("2. And why?", 3)]


def test_headings_are_the_chapters_whatever_their_length():
    t = make([("AA", "Hello and welcome."), ("BB", "Thanks."), ("AA", "Let us begin?"), ("BB", ANSWER)],
             {"AA": MODERATOR, "BB": PANELIST},
             headings=[Heading("Episode", 0, 0, 1), Heading("Introduction", 1, 0), Heading("Main part", 5, 2)])
    chapters = find_chapters(t)
    assert [(c.title, c.turn, c.asked_by) for c in chapters] == [("1. Introduction", 0, None),
                                                                ("2. Main part", 2, None)]
    assert chapter_seconds(t, chapters)[0] < MIN_CHAPTER_SECONDS  # the transcript says so


def test_speech_before_the_first_heading_opens_a_chapter_if_long_enough():
    t = make([("AA", ANSWER), ("AA", "More."), ("BB", ANSWER)], {"AA": PANELIST, "BB": PANELIST},
             headings=[Heading("Part two", 5, 2)])
    assert [(c.turn, c.title) for c in find_chapters(t)] == [(0, "1. Well, it started when I was working on…"),
                                                             (2, "2. Part two")]
    short = make([("AA", "Hi."), ("BB", ANSWER)], {"AA": PANELIST, "BB": PANELIST}, headings=[Heading("Talk", 3, 1)])
    assert [(c.turn, c.title) for c in find_chapters(short)] == [(0, "1. Talk")]


def test_plain_transcript_gets_equal_chapters_titled_by_their_first_sentence():
    topics = ["compilers", "databases", "networks", "storage", "graphics", "security"]
    turns = []
    for topic in topics * 4:
        turns += [("AA", f"Now about {topic}, which we studied for years. " + ANSWER), ("BB", "Yes. " + ANSWER)]
    t = make(turns, {"AA": PANELIST, "BB": PANELIST})
    chapters = find_chapters(t)
    seconds = chapter_seconds(t, chapters)
    assert 4 <= len(chapters) <= 12 and all(c.paragraph == 0 for c in chapters)
    assert all(s >= MIN_CHAPTER_SECONDS for s in seconds)
    assert max(seconds) < 1.6 * min(seconds)  # roughly equal
    assert chapters[0].title == "1. Now about compilers, which we studied…"
    assert all(len(c.title) <= 51 for c in chapters)
    # a short sentence ("Yes.") does not title a chapter
    assert not any(c.title.endswith(". Yes") for c in chapters)


def test_short_plain_transcript_is_one_chapter():
    t = make([("AA", "Hello."), ("BB", "Hi.")], {"AA": PANELIST, "BB": PANELIST})
    assert [(c.index, c.turn, c.paragraph) for c in find_chapters(t)] == [(1, 0, 0)]


def test_unanswered_questions_are_reported():
    t = make([("HO", "Why?"), ("GU", ANSWER), ("HO", "And what next?"), ("BR", "Break"), ("HO", "Last one?")],
             {"HO": HOST, "GU": GUEST, "BR": PSEUDO})
    warnings = unanswered_questions(t)
    assert warnings == ("line 5: the question 'And what next?' has no answer",
                        "line 9: the question 'Last one?' has no answer")


_ROLES = [PANELIST, MODERATOR, HOST, GUEST, NARRATOR, PSEUDO, "audience"]
_TEXTS = st.sampled_from(["Why?", "What do you think about that?", "Yes.", "我觉得是这样。", "为什么？",
                          ANSWER, ANSWER[:90], "", "Tell me more", "Is it"])


@settings(max_examples=150, deadline=None)
@given(roles=st.lists(st.sampled_from(_ROLES), min_size=1, max_size=4),
       picks=st.lists(st.tuples(st.integers(0, 3), _TEXTS), min_size=1, max_size=25),
       heading_turns=st.lists(st.integers(-1, 30), max_size=4),
       minimum=st.sampled_from([0.0, 30.0, 100.0]), language=st.sampled_from(["en", "zh"]))
def test_chapters_are_ordered_start_at_turn_0_and_cover_every_turn(roles, picks, heading_turns, minimum, language):
    codes = {f"S{chr(65 + i)}": role for i, role in enumerate(roles)}
    names = list(codes)
    turns = [(names[i % len(names)], text or "…") for i, text in picks]
    headings = [Heading(f"Part {n}", 1, n) for n in heading_turns]
    t = make(turns, codes, headings=headings, language=language)
    chapters = find_chapters(t, min_seconds=minimum)
    assert chapters and (chapters[0].turn, chapters[0].paragraph) == (0, 0)
    starts = [(c.turn, c.paragraph) for c in chapters]
    assert starts == sorted(set(starts))  # ordered, none twice: together they cover every turn
    assert all(0 <= c.turn < len(t.turns) and 0 <= c.paragraph < len(t.turns[c.turn].paragraphs) for c in chapters)
    assert [c.index for c in chapters] == list(range(1, len(chapters) + 1))
    headed = {h.before_turn for h in headings if 0 <= h.before_turn < len(t.turns)}
    if not headed and len(chapters) > 1:  # rules, not headings: every chapter long enough
        assert all(s >= minimum for s in chapter_seconds(t, chapters))


def test_titles_skip_tags_and_leading_fillers():
    t = make([("HO", "Cool, and what is this book that everybody keeps telling me about?"), ("GU", ANSWER),
              ("HO", "It is a long story and we all know it, right? But how did the writing itself go?"),
              ("GU", ANSWER)], {"HO": HOST, "GU": GUEST})
    assert [c.title for c in find_chapters(t)] == ["1. What is this book that everybody keeps…",
                                                   "2. But how did the writing itself go?"]


def test_a_lone_heading_over_everything_is_passed_over():
    t = make([("HO", "What do you do?"), ("GU", ANSWER), ("HO", "And why?"), ("GU", ANSWER)],
             {"HO": HOST, "GU": GUEST}, headings=[Heading("Transcript", 1, 0)])
    assert [c.title for c in find_chapters(t)] == ["1. What do you do?", "2. And why?"]
