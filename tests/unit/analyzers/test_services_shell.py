"""The light shell parser and evaluator behind the boot-services analyzer."""

from __future__ import annotations

from spyless.analyzers.services.shelleval import Certainty, Evaluator, Exec
from spyless.analyzers.services.shelllex import word_text
from spyless.analyzers.services.shellparse import parse


def _run(text: str, args: tuple[str, ...] = (), entries: tuple[str, ...] = (),
         files: frozenset[str] = frozenset(), globs: dict[str, list[str]] | None = None,
         ) -> list[tuple[tuple[str, ...], int, bool, Certainty]]:
    seen: list[Exec] = []

    def hook(ex: Exec) -> None:
        seen.append(ex)

    Evaluator(parse(text), "/etc/init.d/test", hook, files.__contains__,
              lambda pattern: (globs or {}).get(pattern, [])).run(args, entries)
    return [(e.argv, e.line, e.background, e.certainty) for e in seen]


def test_statements_split_on_newlines_semicolons_and_operators() -> None:
    script = parse("a 1; b 2 && c 3 || d\ne &\nf | g # h i\n")
    assert [[word_text(w) for w in s.words] for s in script.statements] == [
        ["a", "1"], ["b", "2"], ["c", "3"], ["d"], ["e"], ["f"], ["g"]]
    assert [s.background for s in script.statements] == [False] * 4 + [True, False, False]
    guards = [(s.guard[0], [word_text(w) for w in s.guard[1].words]) if s.guard else None
              for s in script.statements]
    assert guards[2] == ("&&", ["b", "2"])
    assert guards[3] == ("||", ["c", "3"])


def test_comments_quotes_continuations_and_heredocs() -> None:
    text = ("# telnetd -l /bin/sh\n"
            "   #telnetd\n"
            "echo 'a # b' \"c $X\" d#e # trailing\n"
            "dropbear -p 22 \\\n"
            "   -s\n"
            "cat > /tmp/f <<EOF\n"
            "telnetd -l /bin/sh\n"
            "EOF\n"
            "cat <<-'END' >/dev/null 2>&1\n"
            "\ttelnetd\n"
            "\tEND\n"
            "last\n")
    script = parse(text)
    assert [([word_text(w) for w in s.words], s.line) for s in script.statements] == [
        (["echo", "a # b", "c ${X}", "d#e"], 3),
        (["dropbear", "-p", "22", "-s"], 4),
        (["cat"], 6),
        (["cat"], 9),
        (["last"], 12),
    ]


def test_variables_assigned_literally_are_expanded() -> None:
    text = ('PROG=/usr/sbin/telnetd\nARGS="-l /bin/sh"\nexport PORT=2323\n'
            '$PROG $ARGS -p ${PORT} "$ARGS" ${MISSING:-dflt}\n$UNKNOWN x\n')
    runs = _run(text)
    assert runs[0] == (("/usr/sbin/telnetd", "-l", "/bin/sh", "-p", "2323", "-l /bin/sh",
                        "dflt"), 4, False, Certainty.YES)
    assert runs[1][0] == ("${UNKNOWN}", "x")


def test_functions_run_only_when_called_and_case_dispatches_on_the_action() -> None:
    text = ("start() {\n  telnetd -l /bin/login\n}\n"
            "stop() {\n  killall telnetd\n}\n"
            "unused() {\n  dropbear\n}\n"
            'case "$1" in\n  start|boot) start ;;\n  stop) stop ;;\n'
            '  *) echo usage ;;\nesac\n')
    assert _run(text, ("start",)) == [
        (("telnetd", "-l", "/bin/login"), 2, False, Certainty.YES),
        (("killall", "telnetd"), 5, False, Certainty.NO),  # known, but cannot run
        (("echo", "usage"), 13, False, Certainty.NO)]
    assert [r for r in _run(text, ("stop",)) if r[3]] == [
        (("killall", "telnetd"), 5, False, Certainty.YES)]


def test_rc_common_entries_and_procd_alias() -> None:
    text = "USE_PROCD=1\nstart_service() {\n  procd_set_param command /usr/sbin/x\n}\n"
    evaluator_runs: list[tuple[str, ...]] = []
    Evaluator(parse(text), "t", lambda ex: evaluator_runs.append(ex.argv), lambda p: False,
              lambda p: [], aliases={"start": "start_service"}).run(("boot",), ("start",))
    assert evaluator_runs == [("procd_set_param", "command", "/usr/sbin/x")]


def test_conditions_decided_statically() -> None:
    text = ("if false; then\n  a\nelif [ 1 = 1 ]; then\n  b\nelse\n  c\nfi\n"
            "if [ -x /usr/sbin/telnetd ]; then d; fi\n"
            "if [ -f /var/run/flag ]; then e; fi\n"
            "[ -n \"\" ] && f\n"
            "true || g\n"
            "while true; do h; done\n"
            "if ! [ 2 -gt 1 ]; then i; fi\n")
    runs = {r[0][0]: r[3] for r in _run(text, files=frozenset({"/usr/sbin/telnetd"}))
            if len(r[0]) == 1}
    assert runs == {"a": Certainty.NO, "b": Certainty.YES, "c": Certainty.NO,
                    "d": Certainty.YES, "e": Certainty.MAYBE, "f": Certainty.NO,
                    "g": Certainty.NO, "h": Certainty.YES, "i": Certainty.NO,
                    "true": Certainty.YES, "false": Certainty.YES}


def test_for_loops_expand_globs_and_words() -> None:
    text = "for i in /etc/init.d/S??*; do\n  $i start\ndone\nfor x in a b; do echo $x; done\n"
    runs = _run(text, globs={"/etc/init.d/S??*": ["/etc/init.d/S10a", "/etc/init.d/S20b"]})
    assert [r[0] for r in runs] == [("/etc/init.d/S10a", "start"),
                                    ("/etc/init.d/S20b", "start"), ("echo", "a"),
                                    ("echo", "b")]


def test_exit_stops_the_script() -> None:
    assert [r[0] for r in _run("a\nexit 0\nb\n")] == [("a",)]


def test_malformed_scripts_do_not_raise() -> None:
    for text in ("if then fi fi done esac }", "case in )) ;; esac", "'unterminated",
                 '"open $(', "f() { f; }\nf", "${", "for; do; done", "<<", "\\"):
        _run(text)
