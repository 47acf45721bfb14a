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
