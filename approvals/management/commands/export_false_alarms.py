import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from approvals.selectors import false_alarm_examples


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Write the findings of the sensitive-information screen that reviewers dismissed as false alarms as "
        'JSON lines for the screen\'s corpus: {"text", "sensitive": false, "kinds": ["dismissed"], "lang": "", '
        '"note": "dismissed as a false alarm: <reason> (rule <rule>, kind <kind>)"}. The text is the sentence '
        "that holds the dismissed span (the revision's body for a finding about the post as a whole); "
        "dismissals in one sentence make one line. A sentence that holds another finding of the screen that "
        "nobody dismissed is left out (it is not a clean negative) and counted on stderr. The lines are "
        "candidates, not corpus rows: they hold the words of real posts and one reviewer's judgement, so a "
        "corpus maintainer reads each one before it joins the corpus, takes out anything that names a real "
        "person, sets lang and split, and only then adds it to tests/governance/corpus/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=_day, metavar="DATE", help="Only dismissals made on or after this day (YYYY-MM-DD)."
        )
        parser.add_argument("--output", metavar="FILE", help="Write the lines to FILE instead of stdout.")

    def handle(self, *args, **options):
        since = options.get("since")
        if isinstance(since, str):  # call_command(since="…") does not go through the parser
            since = _day(since)
        out = open(options["output"], "w", encoding="utf-8") if options.get("output") else None  # noqa: SIM115
        written = held_back = 0
        try:
            stream = out or self.stdout
            for example in false_alarm_examples(since=since):
                if example.held_back:
                    held_back += 1
                    continue
                stream.write(json.dumps(example.line(), ensure_ascii=False) + ("\n" if out else ""))
                written += 1
        finally:
            if out:
                out.close()
        report = f"{written} false alarm(s) written"
        if held_back:
            report += f"; {held_back} left out: their sentence holds another finding nobody dismissed"
        # On stderr either way: stdout may be the lines themselves.
        self.stderr.write(f"{report}. A person reviews each line before it joins the corpus.")
