"""``verify`` over many tiny articles: does it finish, how long, how much memory (issue 15).

    python -m eval.scale --articles 100000 [--out /tmp/claimcheck-scale] [-- extra verify options]

Writes ``--articles`` tiny generated articles (a headline and one or two sentences about one of
many local events: a fire, a collision, a storm, an explosion in one of a set of towns, four
reports per event whose counts differ now and then) as one JSONL file, runs ``claimcheck verify`` on it in a child process and
records its wall time, peak RSS (``wait4``'s ``ru_maxrss``), exit code, last progress line, the
report's stats and its stories scored against the generated events in ``eval/results/scale_<N>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from pathlib import Path

from eval.bench.measure import machine, run_measured
from eval.stories_eval import bcubed

TOWNS = ("Utrecht", "Zwolle", "Leiden", "Breda", "Venlo", "Assen", "Delft", "Gouda", "Hoorn", "Emmen", "Tiel",
         "Sneek", "Ede", "Weert", "Heerlen", "Almelo", "Oss", "Goes", "Meppel", "Zeist")
# (headline, lead) per kind of event; one event a day, the kinds in turn, so two events of one kind
# are four days apart (beyond the 48-hour story window). A title recurs every 20 events, with its lead
# (and count) every 180: such copies from other weeks once split the events at scale (issue 15). e5
# puts some events of the next day (a fire, a factory explosion: "N mensen gewond") above the story
# threshold, so a story may hold more than one event (``story_scores``).
EVENTS = (("Brand in {town}", "Bij een brand in een woning in {town} zijn {n} mensen gewond geraakt."),
          ("Dodelijke botsing bij {town}", "Bij een botsing op de snelweg bij {town} zijn {n} mensen om het leven gekomen."),
          ("Storm raast over {town}", "Door de storm zijn in {town} {n} bomen omgewaaid."),
          ("Explosie in fabriek {town}", "Bij een explosie in een fabriek in {town} raakten {n} werknemers gewond."))
FOLLOW_UP = ("De politie doet onderzoek naar de oorzaak.", "De brandweer was snel ter plaatse.",
             "Omwonenden werden geëvacueerd.", "De burgemeester sprak van een zwarte dag.")
REPORTS = 4  # articles per event (outlets), counts differing now and then
START = datetime.date(1950, 1, 1)


def articles(count: int, seed: int = 0):
    """``count`` tiny articles: a headline and one or two sentences, ``REPORTS`` per event."""
    rng = random.Random(seed)
    for i in range(count):
        event = i // REPORTS
        headline, lead = EVENTS[event % len(EVENTS)]
        town = TOWNS[(event * 7) % len(TOWNS)]
        n = 2 + event % 9 + (1 if rng.random() < 0.25 else 0)
        text = lead.format(town=town, n=n) + (" " + rng.choice(FOLLOW_UP) if rng.random() < 0.5 else "")
        day = START + datetime.timedelta(days=event)
        yield {"id": f"a{i:06d}", "title": headline.format(town=town), "text": text, "date": day.isoformat(),
               "lang": "nl", "source": f"outlet-{i % REPORTS}"}


def story_scores(report: dict) -> dict[str, object]:
    """The report's stories against the generated events (``REPORTS`` articles each): B-cubed
    precision and recall (``eval.stories_eval.bcubed``). Recall 1.0: every event's reports share a
    story; precision below 1.0: stories that join events (of another kind, on the next day) whose
    title and lead e5 puts above the story threshold."""
    articles = report["articles"]
    stories = {story: number for number, story in enumerate(sorted({a["story"] for a in articles}))}
    events = [str(int(a["id"][1:]) // REPORTS) for a in articles]
    return dict(bcubed([stories[a["story"]] for a in articles], events), events=len(set(events)), stories=len(stories))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/claimcheck-scale"))
    parser.add_argument("extra", nargs="*", help="more verify options (after --)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    corpus, report = args.out / f"articles_{args.articles}.jsonl", args.out / f"report_{args.articles}.json"
    with corpus.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in articles(args.articles))
    command = ["claimcheck", "verify", str(corpus), "--output", str(report), *args.extra]
    measured = run_measured(command)
    written = json.loads(report.read_text()) if report.is_file() else None
    result = {"command": " ".join(["python -m eval.scale", f"--articles {args.articles}", *args.extra]),
              "verify": " ".join(command[1:]), **measured, "stats": written and written["stats"],
              "stories_vs_events": written and story_scores(written), "machine": machine()}
    target = Path(__file__).parent / "results" / f"scale_{args.articles // 1000}k.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    json.dump(result, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
