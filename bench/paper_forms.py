"""Paper forms in batches of 100 and 1,000 (issue 10): time, pages per second and peak memory.

Each batch mixes the languages (nb, nn, en) and the waves (T1-T4) of ``mestring-2026.1``; every
form has a 3-line address and a 5-paragraph cover letter. Each run is a fresh child process
(``paper_forms.py child N OUT``) that builds the forms, times ``paper_forms_pdf`` alone and writes
the PDF; the driving process counts the pages (pypdf) and takes the child's peak RSS from
``os.wait4`` (``ru_maxrss``: the whole process, imports included). Prints one JSON document with
the ratios 1,000 / 100 (10 would be linear); progress goes to stderr.

    .venv/bin/python bench/paper_forms.py [--sizes 100 1000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import REPO, machine, print_json, progress

LANGUAGES = ("nb", "nn", "en")
WAVES = ("T1", "T2", "T3", "T4")
MIB = 1024 * 1024

# The words around the questions, as a caller would pass them (en and nb as in the unit tests).
TEXTS = {
    "en": {
        "title": "Questionnaire about work",
        "study_id": "Study ID",
        "wave": "Wave",
        "page": "Page",
        "tick_one": "Tick one box.",
        "tick_any": "Tick all that apply.",
        "write_number": "Write the number in the boxes.",
        "only_if": "Answer only if you answered «{answer}» to «{question}».",
        "end": "Thank you! Put the form in the prepaid envelope.",
    },
    "nb": {
        "title": "Spørreskjema om arbeid",
        "study_id": "Studie-ID",
        "wave": "Runde",
        "page": "Side",
        "tick_one": "Sett ett kryss.",
        "tick_any": "Sett kryss ved alt som passer.",
        "write_number": "Skriv tallet i rutene.",
        "only_if": "Svar bare hvis du svarte «{answer}» på «{question}».",
        "end": "Takk! Legg skjemaet i svarkonvolutten.",
    },
    "nn": {
        "title": "Spørjeskjema om arbeid",
        "study_id": "Studie-ID",
        "wave": "Runde",
        "page": "Side",
        "tick_one": "Set eitt kryss.",
        "tick_any": "Set kryss ved alt som passar.",
        "write_number": "Skriv talet i rutene.",
        "only_if": "Svar berre dersom du svara «{answer}» på «{question}».",
        "end": "Takk! Legg skjemaet i svarkonvolutten.",
    },
}
LETTERS = {
    "en": (
        "Dear participant,",
        "Thank you for taking part in the study of work and coping in Supported Employment. You chose to "
        "answer on paper, so the questionnaire for this round is enclosed. It takes about ten minutes.",
        "Please tick one box for each question unless the question says otherwise. There are no right or "
        "wrong answers; we want to know how things are for you right now.",
        "Please return the form in the prepaid envelope within three weeks. Your name is not on the form: "
        "the study ID at the top of every page is all we need.",
        "Taking part is voluntary, and you can withdraw at any time without giving a reason and without it "
        "affecting the help you get. Questions? Call the study team on 22 00 00 00 on weekdays 9-15.",
    ),
    "nb": (
        "Kjære deltaker,",
        "Takk for at du er med i studien om arbeid og mestring i Supported Employment. Du har valgt å svare "
        "på papir, så spørreskjemaet for denne runden ligger ved. Det tar omtrent ti minutter.",
        "Sett ett kryss for hvert spørsmål om ikke spørsmålet sier noe annet. Det finnes ingen riktige eller "
        "gale svar; vi vil vite hvordan du har det akkurat nå.",
        "Send skjemaet tilbake i svarkonvolutten innen tre uker. Navnet ditt står ikke på skjemaet: "
        "studie-ID-en øverst på hver side er alt vi trenger.",
        "Det er frivillig å delta, og du kan trekke deg når som helst uten å oppgi grunn og uten at det "
        "påvirker hjelpen du får. Spørsmål? Ring studieteamet på 22 00 00 00 hverdager 9-15.",
    ),
    "nn": (
        "Kjære deltakar,",
        "Takk for at du er med i studien om arbeid og meistring i Supported Employment. Du har valt å svare "
        "på papir, så spørjeskjemaet for denne runden ligg ved. Det tek om lag ti minutt.",
        "Set eitt kryss for kvart spørsmål dersom ikkje spørsmålet seier noko anna. Det finst ingen rette "
        "eller gale svar; vi vil vite korleis du har det akkurat no.",
        "Send skjemaet tilbake i svarkonvolutten innan tre veker. Namnet ditt står ikkje på skjemaet: "
        "studie-ID-en øvst på kvar side er alt vi treng.",
        "Det er friviljug å delta, og du kan trekkje deg når som helst utan å gje grunn og utan at det "
        "verkar inn på hjelpa du får. Spørsmål? Ring studieteamet på 22 00 00 00 kvardagar 9-15.",
    ),
}
GIVEN = ("Kari", "Ola", "Ingrid", "Mohammed", "Åse", "Bjørn", "Fatima", "Sindre", "Marte", "Tor Inge")
FAMILY = ("Nordmann", "Hansen", "Ødegård", "Berg", "Johansen", "Haugland", "Ali", "Solberg-Lie")
STREETS = ("Storgata", "Kirkevegen", "Fjellvegen", "Øvre Slottsgate", "Bryggeveien", "Skolevegen")
PLACES = ("0155 Oslo", "5003 Bergen", "6800 Førde", "7011 Trondheim", "9008 Tromsø", "3510 Hønefoss")


def batch(count: int):
    """``count`` forms, languages and waves in turn (every combination in every 12 forms)."""
    from analysis.reports.paper_form import PaperForm

    forms = []
    for index in range(count):
        language = LANGUAGES[index % len(LANGUAGES)]
        address = (
            f"{GIVEN[index % len(GIVEN)]} {FAMILY[index % len(FAMILY)]}",
            f"{STREETS[index % len(STREETS)]} {index % 97 + 1}",
            PLACES[index % len(PLACES)],
        )
        study_id = f"{index:04X}-{(index * 7919) % 65536:04X}"
        forms.append(PaperForm(study_id, WAVES[index % len(WAVES)], language, address, LETTERS[language]))
    return forms


# --- the child -------------------------------------------------------------------------------


def child(count: int, out: Path) -> dict:
    from analysis.reports.paper_form import PaperFormTexts, paper_forms_pdf
    from instruments import load_instrument

    instrument = load_instrument("mestring-2026.1")
    texts = {language: PaperFormTexts(**words) for language, words in TEXTS.items()}
    forms = batch(count)
    started = time.perf_counter()
    step = max(count // 5, 1)

    def report(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            progress(f"    {done}/{total} forms ({time.perf_counter() - started:.1f} s)")

    content = paper_forms_pdf(forms, instrument, texts, "bench paper forms", progress=report)
    seconds = time.perf_counter() - started
    out.write_bytes(content)
    return {"seconds": round(seconds, 2), "bytes": len(content)}


# --- the driving process -----------------------------------------------------------------------


def _run_child(count: int, out: Path) -> dict:
    """One batch in a fresh process: its result plus the child's peak RSS (``os.wait4``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, __file__, "child", str(count), str(out)], cwd=REPO, env=env, stdout=subprocess.PIPE
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"paper_forms.py child {count} failed")
    return {**json.loads(output), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def run(sizes: list[int], rounds: int) -> dict:
    from pypdf import PdfReader

    batches = {}
    with tempfile.TemporaryDirectory(prefix="mestring-paper-bench-") as folder:
        for count in sizes:
            out = Path(folder) / f"forms-{count}.pdf"
            runs = []
            for round_ in range(rounds):
                progress(f"{count} forms, round {round_ + 1}")
                runs.append(_run_child(count, out))
            pages = len(PdfReader(out).pages)
            seconds = statistics.median(r["seconds"] for r in runs)
            batches[str(count)] = {
                "forms": count,
                "pages": pages,
                "seconds": round(seconds, 2),
                "seconds_all_rounds": [r["seconds"] for r in runs],
                "pages_per_second": round(pages / seconds, 1),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                "bytes": runs[-1]["bytes"],
            }
            progress(f"  {pages} pages in {seconds:.2f} s, peak {batches[str(count)]['peak_rss_mib']} MiB")
    small, large = batches[str(sizes[0])], batches[str(sizes[-1])]
    return {
        "benchmark": "paper_forms",
        "machine": {key: value for key, value in machine().items() if key not in ("wrk", "postgresql", "sqlite")},
        "rounds": rounds,
        "batches": batches,
        "ratio_large_to_small": {
            "forms": large["forms"] / small["forms"],
            "pages": round(large["pages"] / small["pages"], 2),
            "seconds": round(large["seconds"] / small["seconds"], 2),
            "peak_rss_mib": round(large["peak_rss_mib"] / small["peak_rss_mib"], 2),
        },
    }


def main() -> None:
    if sys.argv[1:2] == ["child"]:
        print(json.dumps(child(int(sys.argv[2]), Path(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="forms per batch, smallest first")
    parser.add_argument("--rounds", type=int, default=1, help="runs per batch (median time, largest peak)")
    args = parser.parse_args()
    print_json(run(args.sizes, args.rounds))


if __name__ == "__main__":
    main()
