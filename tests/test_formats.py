"""Every input format on real transcripts: speakers, turn counts and exact turns written down by hand
after reading each file (see tests/data/transcripts/README.md for where each comes from)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from audio_pipeline.errors import TranscriptError
from audio_pipeline.model import GUEST, HOST, MODERATOR, PANELIST, PSEUDO
from audio_pipeline.transcript import parse_transcript, read_transcript
from audio_pipeline.transcript.formats import READERS, pick_reader

DATA = Path(__file__).parent / "data" / "transcripts"


def _who(t):
    return {s.code: (s.name, s.role, s.aliases) for s in t.speakers}


def _turns(t):
    return Counter(turn.speaker for turn in t.turns)


def _spoken(t):
    return {p.line: p.text for turn in t.turns for p in turn.paragraphs}


def test_changelog_bold_names_break_and_escaped_brackets():
    t = read_transcript(DATA / "changelog-jsparty-75.md")
    assert (t.format, t.encoding, t.metadata.language) == ("markdown", "utf-8", "en")
    # Eve: "I wanna welcome to the stage Emma Wedekind. She is going to be hosting": Emma hosts.
    assert _who(t) == {"EP": ("Eve Porcello", GUEST, ("Eve Porcello",)),
                       "EW": ("Emma Wedekind", HOST, ("Emma Wedekind",)),
                       "MS": ("Marcy Sutton", GUEST, ("Marcy Sutton",)),
                       "KB": ("Kate Beard", GUEST, ("Kate Beard",)),
                       "Break": ("Break", PSEUDO, ())}
    # 58 labelled turns by four people; the break between two of Emma's turns keeps them apart.
    assert _turns(t) == {"EW": 26, "EP": 10, "MS": 14, "KB": 8}
    assert len(t.turns) == 58
    spoken = _spoken(t)
    assert spoken[13] == "Awesome. Marcy?"
    assert spoken[11].startswith("I got started coding. I used to be a project manager.")
    assert "true... So I learned to code" in spoken[11]
    turn = next(x for x in t.turns if x.line == 11)
    assert turn.speaker == "EP" and turn.source_time == 3 * 60 + 51
    directions = [(d.text, d.line) for d in t.stage_directions]
    assert ("Break", 47) in directions and ("laughter", 5) in directions and ("applause", 7) in directions
    assert ("unintelligible 00:14:01.24", 63) in directions
    assert t.turns[next(d for d in t.stage_directions if d.text == "Break").before_turn].speaker == "EW"
    # unlabelled paragraphs continue Emma's opening turn
    assert t.turns[1].speaker == "EW" and [p.line for p in t.turns[1].paragraphs] == [3, 5, 7, 9]
    assert spoken[5].endswith("Start in 30 seconds... Please!")


def test_orbitfm_timestamp_then_bold_name_without_colon():
    t = read_transcript(DATA / "orbitfm-bookbytes-006.txt")
    assert (t.format, t.encoding, t.metadata.language) == ("markdown", "utf-8-sig", "en")
    # "Welcome to BookBytes … I'm Adam Garrett-Harris": the host; the others are his guests.
    assert {c: (n, r) for c, (n, r, _) in _who(t).items()} == {
        "AG": ("Adam Garrett-Harris", HOST), "JL": ("Jen Luker", GUEST),
        "SA": ("Safia Abdalla", GUEST), "JS": ("Jason Staten", GUEST)}
    assert _turns(t) == {"AG": 10, "JL": 4, "SA": 12, "JS": 4}
    first = t.turns[0]
    assert (first.speaker, first.line, first.source_time) == ("AG", 3, 14.2)
    assert first.text == "Welcome to BookBytes. This is the first episode where we’ll be talking about “Technically Wrong.” I’m Adam Garrett-Harris."
    assert _spoken(t)[29].startswith("The company is called Tock, T-O-C-K,")
    assert [(d.text, d.line) for d in t.stage_directions] == [
        ("Intro music: Electro Swing", 1), ("laughs", 29), ("Exit music: Electro Swing", 63)]
    assert t.turns[-1].source_time == 7 * 60 + 12.8


def test_podcastindex_srt_name_prefixes_and_split_sentences():
    t = read_transcript(DATA / "podcastindex-example.srt")
    assert t.format == "srt"
    assert [s.name for s in t.speakers] == ["Travis", "Sarah", "Gilon"]
    assert [x.speaker for x in t.turns] == ["Travis", "Sarah", "Travis", "Gilon", "Travis", "Gilon", "Travis",
                                            "Sarah", "Gilon", "Travis"]
    assert [x.line for x in t.turns] == [3, 87, 152, 322, 387, 467, 556, 826, 891, 1011]
    assert t.turns[0].text.startswith("When you first get started in podcasting, it's almost guaranteed that "
                                      "you're going to make a handful of rookie mistakes, but that doesn't mean")
    assert t.turns[0].source_time == 0.179
    assert t.turns[-1].text.endswith("the next best thing to do is to batch your episodes.")
    assert not any(":" in x.text[:12] for x in t.turns)


def test_podcastindex_html_cite_time_and_entities():
    t = read_transcript(DATA / "podcastindex-example.html")
    assert t.format == "html"
    assert [x.speaker for x in t.turns] == ["Travis", "Sarah", "Travis", "Gilon", "Travis", "Gilon", "Travis",
                                            "Sarah", "Gilon", "Travis"]
    assert t.turns[0].text.startswith("When you first get started in podcasting, it's almost")
    assert (t.turns[1].source_time, t.turns[-1].source_time) == (53.0, 11 * 60 + 31)
    assert not any("&#39;" in x.text or "<" in x.text for x in t.turns)


def test_podcastindex_vtt_voice_tags():
    t = read_transcript(DATA / "podcastindex-example.vtt")
    assert t.format == "webvtt"
    assert [(x.speaker, x.source_time) for x in t.turns] == [("Sarah", 0.0), ("Gillian", 19.08)]
    assert t.turns[0].text == ("In today's episode, you'll learn whether or not you should have a podcast trailer. "
                               "And if so, what should you include in one? Welcome to Podcasting Q&A, where you learn "
                               "the best tips and strategies to launch, grow and monetize your podcast. This week's "
                               "question comes from Gillian.")
    assert t.speaker("Sarah").role == HOST


def test_podcastindex_json_word_segments():
    t = read_transcript(DATA / "podcastindex-example.json")
    assert t.format == "json"
    assert [(s.code, s.name) for s in t.speakers] == [("DV", "Darth Vader"), ("Luke", "Luke")]
    assert [(x.speaker, x.text, x.source_time) for x in t.turns] == [("DV", "I am your father.", 0.5),
                                                                   ("Luke", "Nooooo", 2.75)]


def test_webvtt_tag_on_first_cue_unclosed_tags_prefixes_notes_and_settings():
    t = read_transcript(DATA / "voices.vtt")
    assert [(s.code, s.name, s.role) for s in t.speakers] == [("AL", "Ann Lee", HOST), ("BS", "Bob Stone", GUEST)]
    assert [(x.speaker, x.text) for x in t.turns] == [
        ("AL", "Hello and welcome to the show. I'm your host."), ("BS", "Thanks, Ann. Great to be here."),
        ("AL", "So, Bob, what brings you here?"), ("BS", "Curiosity & coffee.")]
    assert [(d.text, d.line) for d in t.stage_directions] == [("music", 23)]


def test_english_panel_roster_as_markdown_bullets():
    t = read_transcript(DATA / "systems-ml-panel-en.md")
    assert t.format == "labels" and (t.metadata.title, t.metadata.show) == ("Systems ML workshop panel", "ezyang's blog")
    assert [(s.code, s.name, s.role, s.affiliation, s.aliases) for s in t.speakers] == [
        ("JG", "Joseph Gonzalez", PANELIST, None, ()), ("GG", "Garth Gibson", PANELIST, "CMU", ()),
        ("DS", "Dawn Song", PANELIST, "UC Berkeley", ()), ("JL", "John Langford", PANELIST, "Microsoft NY", ()),
        ("YQ", "Yangqing Jia", PANELIST, "Facebook", ("YJ",)), ("M", "Moderator", MODERATOR, None, ())]
    assert [x.speaker for x in t.turns] == ["M", "YQ", "JL", "DS", "GG", "JG"]
    assert t.turns[4].text == "Systems."
    assert [(d.text, d.line, d.before_turn) for d in t.stage_directions] == [("applause", 24, 5)]
    assert t.warnings == ()


@pytest.mark.parametrize("name, encoding", [("systems-ml-panel-en.utf16le.md", "utf-16-le"),
                                            ("systems-ml-panel-en.utf16be.md", "utf-16-be")])
def test_utf16_with_crlf_or_cr_reads_like_utf8(name, encoding):
    t = read_transcript(DATA / name)
    plain = read_transcript(DATA / "systems-ml-panel-en.md")
    assert t.encoding == encoding
    assert (t.speakers, t.turns, t.stage_directions) == (plain.speakers, plain.turns, plain.stage_directions)


def test_gb18030_is_detected_or_named():
    t = read_transcript(DATA / "short-panel.gb18030.txt")
    assert (t.encoding, t.metadata.language, t.turns[0].text) == ("gb18030", "zh", "欢迎。你属于哪个社区？")
    assert read_transcript(DATA / "short-panel.gb18030.txt", encoding="GB18030").turns == t.turns
    with pytest.raises(TranscriptError, match=r"gb18030.txt:\d+: is not valid utf-8"):
        read_transcript(DATA / "short-panel.gb18030.txt", encoding="utf-8")


def test_aliases_timestamps_headings_links_images_front_matter():
    t = read_transcript(DATA / "interview-aliases.md")
    assert (t.metadata.title, t.metadata.show, t.metadata.language) == (
        "Formal methods, plainly: an interview", "Verified Talk", "en")
    assert [(s.code, s.name, s.role, s.aliases) for s in t.speakers] == [
        ("GR", "Gloria Reyes", HOST, ("Gloria Reyes",)), ("FM", "Farhad Mehta", GUEST, ("Farhad Mehta",))]
    assert [(x.speaker, x.text, x.source_time) for x in t.turns] == [
        ("GR", "Welcome to Verified Talk. Today my guest is Farhad Mehta. Farhad's homepage has all his papers.", None),
        ("FM", "Thanks for having me, Gloria.", None),
        ("GR", "What is a proof assistant, in one sentence?", 70.0),
        ("FM", "A program that checks every step of a proof, see isabelle.in.tum.de for one.", 107.0),
        ("GR", "And does it make mistakes?", None),
        ("FM", "Rarely — and when it does, it's simp & friends.", None)]
    assert [(h.text, h.before_turn) for h in t.headings] == [("Opening", 0), ("Proofs", 2)]
    assert [(d.text, d.line) for d in t.stage_directions] == [("laughter", 12), ("Gloria's laughter", 24)]


def test_timestamp_alone_after_the_colon_and_malformed_ones():
    t = read_transcript(DATA / "timestamps-after-colon.txt")
    assert t.format == "labels"
    assert [(x.speaker, x.source_time, x.text) for x in t.turns] == [
        ("AJ", 35.0, "Welcome back to the Chaincode podcast. Today we talk about fees."),
        ("ME", 41.0, "Thanks, it's good to be here. There is a lot to say about fees."),
        ("AJ", 62.0, "Let's start with the basics."),
        ("ME", 14.0, "Sure. Fees pay for block space."),
        ("ME", 150.0, "We are back.")]
    assert t.speaker("Break").role == PSEUDO
    assert [(d.text, d.line, d.before_turn) for d in t.stage_directions] == [("Break", 13, 4)]


def test_detection_and_forcing():
    assert pick_reader("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n").NAME_FORMAT == "webvtt"
    assert pick_reader("1\n00:00:01,000 --> 00:00:02,000\nhi\n").NAME_FORMAT == "srt"
    assert pick_reader('{"version": "1.0.0", "segments": []}').NAME_FORMAT == "json"
    assert pick_reader("<cite>A:</cite><p>hi</p>").NAME_FORMAT == "html"
    assert pick_reader("**Ann:** hi\n\n**Bob:** yo\n").NAME_FORMAT == "markdown"
    assert pick_reader("Ann: hi\n\nBob: yo\n").NAME_FORMAT == "labels"
    assert set(READERS) == {"labels", "markdown", "webvtt", "srt", "json", "html"}
    forced = parse_transcript("Ann: hi\n\nBob: yo\n", input_format="markdown")
    assert forced.format == "markdown" and [x.speaker for x in forced.turns] == ["Ann", "Bob"]
    with pytest.raises(TranscriptError, match="unknown input format 'doc'"):
        parse_transcript("Ann: hi\n", input_format="doc")


@pytest.mark.parametrize("text, expected", [
    ("Ann Lee：  hello\n\nBob  :  hi\n\nBob: again\n", [("AL", "hello"), ("Bob", "hi\nagain")]),
    ("__Ann:__ one\n\n**Bob**: two\n\n*Ann*: three\n", [("Ann", "one"), ("Bob", "two"), ("Ann", "three")]),
    ("[00:00:01] Ann: one\n\nBob [00:00:05]: two\n\nAnn (0:07): three\n", [("Ann", "one"), ("Bob", "two"), ("Ann", "three")]),
    ("* JG: Joseph Gonzalez\n* YQ: Yangqing Jia (Facebook)\n\nJG: a\n\nYJ: b\n", [("JG", "a"), ("YQ", "b")]),
    ("• JG: Joseph Gonzalez\n• GG: Garth Gibson\n\nJG: a\n\nGG: b\n", [("JG", "a"), ("GG", "b")]),
    ("+ JG: Joseph Gonzalez\n+ GG: Garth Gibson\n\nJG: a\nGG: b\n", [("JG", "a"), ("GG", "b")]),
    ("Speaker 1 (00:00):\nHello there.\n\nSpeaker 2 (00:15):\nThanks.\n", [("Speaker 1", "Hello there."), ("Speaker 2", "Thanks.")]),
    ("Ann Lee  0:00\nHello there.\nMore.\n\nBob Stone  0:15\nThanks.\n", [("AL", "Hello there. More."), ("BS", "Thanks.")]),
    ("Lex Fridman (00:00:00) The following.\n\nElon Musk (00:01:02) Yeah.\n", [("LF", "The following."), ("EM", "Yeah.")]),
    ("**Ann Lee** (00:12:34): Hi.\n\n**Bob** [00:12:40] Yo.\n", [("AL", "Hi."), ("Bob", "Yo.")]),
    ("JOHN SMITH: Hello.\n\nMARY JONES: Hi John.\n", [("JS", "Hello."), ("MJ", "Hi John.")]),
    ("Meeting at 3:30\n\nNote: prose.\n\nAnn: Hi.\n\nBob: Yo.\n", [("Ann", "Hi."), ("Bob", "Yo.")]),
    ("Emma Wedekind (host): Hi all.\n\nKate Beard (Gatsby): Hello.\n", [("EW", "Hi all."), ("KB", "Hello.")]),
    ("00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n00:00:02.000 --> 00:00:03.000\nBob: yo\n", [("Ann", "hi"), ("Bob", "yo")]),
    ("WEBVTT\n\n00:00.000 --> 00:02.000\n>> ANN: hello there\n\n00:02.000 --> 00:04.000\nhello there\nhow are you\n\n"
     "00:04.000 --> 00:06.000\n>> BOB: fine\n", [("ANN", "hello there how are you"), ("BOB", "fine")]),
])
def test_label_variants(text, expected):
    t = parse_transcript(text)
    assert [(x.speaker, x.text) for x in t.turns] == expected


def test_warnings_for_a_label_seen_once_an_unlisted_speaker_and_an_empty_turn():
    t = parse_transcript("+ JG: Joseph Gonzalez\n+ GG: Garth Gibson\n\nJG: a\n\nGG: b\n\nJG: c\n\nGG:\n\n"
                         "GJ: d\n\nJG: e\n")
    assert any("line 10: 'GG' has no words" in w for w in t.warnings)
    assert any("'GJ' appears only once" in w for w in t.warnings)
    assert any("'GJ' is not in the transcript's list of speakers" in w for w in t.warnings)


def test_narrator_and_pseudo_speakers_are_roles():
    t = parse_transcript("Announcer: Live from the hall.\n\nAnn Lee: Hi.\n\nIntro: theme plays\n\nBob Stone: Hello.\n")
    assert {s.code: s.role for s in t.speakers} == {"Announcer": "narrator", "AL": PANELIST, "Intro": PSEUDO,
                                                    "BS": PANELIST}
    assert ("Intro: theme plays", 5) in [(d.text, d.line) for d in t.stage_directions]
    assert all("theme" not in x.text for x in t.turns)


def test_language_from_front_matter_or_text():
    de = "Anna: Guten Tag und herzlich willkommen zu unserer Sendung über freie Software.\n\nBen: Danke schön.\n"
    assert parse_transcript(de).metadata.language == "de"
    assert parse_transcript("---\nlang: fr-CA\n---\n" + de).metadata.language == "fr"
    assert parse_transcript("Ann: Hi.\n").metadata.language == "en"


def test_html_page_with_bold_names():
    page = ("<!DOCTYPE html><html><head><title>x</title><style>p{}</style></head><body>\n"
            "<h1>Episode 12: Rust in production</h1>\n"
            "<p><strong>Ann Lee:</strong> Welcome to the show &amp; thanks for listening.</p>\n"
            "<p><strong>Bob Stone:</strong> Glad to be here. <em>Really.</em></p>\n"
            "<h2>Part two</h2>\n"
            '<p><b>Ann Lee</b>: Let us talk about <a href="https://rust-lang.org">Rust</a>.</p>\n'
            "<p>It is a language. [laughter]</p>\n"
            "<figure><img src=a.png><figcaption>A photo</figcaption></figure>\n"
            "<p><strong>Bob Stone:</strong> Yes.</p>\n</body></html>\n")
    t = parse_transcript(page)
    assert (t.format, t.metadata.title) == ("html", "Episode 12: Rust in production")
    assert [(x.speaker, x.line, [p.text for p in x.paragraphs]) for x in t.turns] == [
        ("AL", 3, ["Welcome to the show & thanks for listening."]), ("BS", 4, ["Glad to be here. Really."]),
        ("AL", 6, ["Let us talk about Rust.", "It is a language."]), ("BS", 9, ["Yes."])]
    assert [(h.text, h.line, h.before_turn) for h in t.headings] == [("Part two", 5, 2)]
    assert [(d.text, d.line) for d in t.stage_directions] == [("laughter", 7)]


def test_command_line_options_and_one_line_errors(tmp_path):
    from conftest import run_cli

    shown = run_cli("inspect", str(DATA / "short-panel.gb18030.txt"), "--encoding", "gb18030", cwd=tmp_path)
    assert shown.returncode == 0 and "Joseph Gonzalez" in shown.stdout and "gb18030" in shown.stdout
    forced = run_cli("cast", str(DATA / "voices.vtt"), "--input-format", "webvtt", cwd=tmp_path)
    assert forced.returncode == 0 and "[speakers.AL]" in forced.stdout
    wrong = run_cli("inspect", str(DATA / "voices.vtt"), "--input-format", "docx", cwd=tmp_path)
    assert wrong.returncode == 2 and wrong.stderr.strip().count("\n") == 0
    assert "unknown input format 'docx'" in wrong.stderr
    (tmp_path / "bad.txt").write_bytes(b"JG: ok\n\nGG: \xff\xfe\x00\x00 bad\n")
    binary = run_cli("inspect", "bad.txt", cwd=tmp_path)
    assert binary.returncode == 2 and binary.stderr.startswith("error: bad.txt:1: looks like a binary file")


def test_a_paragraph_wholly_in_italics_is_a_note():
    t = parse_transcript("**Ann:** Hi there.\n\n*Music fades out.*\n\n**Bob:** Hello *you*.\n\n_It is_ raining.\n")
    assert [(x.speaker, x.text) for x in t.turns] == [("Ann", "Hi there."), ("Bob", "Hello you.\nIt is raining.")]
    assert [(d.text, d.line, d.before_turn) for d in t.stage_directions] == [("Music fades out.", 3, 1)]


def test_windows_code_pages_are_detected():
    from audio_pipeline.transcript.parse import decode

    western = "Ann: Café “quoted” text, naïve résumé.\n\nBob: Merci.\n"
    assert decode(western.encode("cp1252"), "t.txt") == (western, "cp1252")
    polish = "Ann: Zażółć gęślą jaźń, powiedział Paweł. Dziękuję bardzo za rozmowę.\n"
    assert decode(polish.encode("cp1250"), "t.txt") == (polish, "cp1250")


def test_chaincode_timestamp_alone_after_the_name_and_first_names_from_front_matter():
    t = read_transcript(DATA / "chaincode-address-relay.md")
    assert (t.format, t.metadata.title, t.metadata.date) == ("labels", "Address Relay", "2022-05-13")
    # "speakers: [Martin Zumsande]" in the front matter; the turns say only "Martin:"
    assert _who(t) == {"MZ": ("Martin Zumsande", PANELIST, ("Martin",)),
                       "ME": ("Mark Erhardt", PANELIST, ("Mark Erhardt",)), "Jonas": ("Jonas", PANELIST, ())}
    assert _turns(t) == {"MZ": 41, "ME": 31, "Jonas": 45}
    third = t.turns[2]
    assert (third.speaker, third.line, third.source_time) == ("Jonas", 29, 45.0)
    assert third.text == ("Hey, Murck. Glad to get you back in the studio before you rush off to London. "
                          "And we're gonna be talking to Martin today?")
    assert t.turns[0].text.startswith("In AddrMan you also have this distinction")  # `AddrMan` in the source
    assert (t.headings[0].text, t.headings[0].line, t.turns[t.headings[0].before_turn].speaker) == \
        ("His background", 62, "Jonas")
    assert len(t.headings) == 18
    assert [d.line for d in t.stage_directions] == [415]
    assert t.stage_directions[0].text.startswith("Correction: The peer would not get")


def test_chaincode_labels_with_and_without_timestamps():
    t = read_transcript(DATA / "chaincode-enterprise-wallets.md")
    # "Caralie Chrisco: … welcome to the Chaincode podcast" in the first three turns: the host.
    assert {c: (n, r) for c, (n, r, _) in _who(t).items()} == {
        "ME": ("Mark Erhardt", GUEST), "CC": ("Caralie Chrisco", HOST), "AJ": ("Adam Jonas", GUEST)}
    # 95 turns: "Adam Jonas:00:02:57" (no space) is a label too; two labels of one speaker in a row are one turn
    assert _turns(t) == {"ME": 37, "CC": 12, "AJ": 46}
    assert [(x.speaker, x.source_time, x.text) for x in t.turns[1:3]] == [
        ("CC", 29.0, "Hi, everyone, welcome to the Chaincode podcast. My name is Caralie."),
        ("AJ", 32.0, "And it's Jonas.")]
    assert [x.source_time for x in t.turns if x.line == 164] == [177.0]
    assert len(t.headings) == 15
