from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from concepts import i18n


class Command(BaseCommand):
    help = (
        "List the content translations that are missing or outdated, per language; "
        "--stamp LANGUAGE FILE records the current English hashes in a translation file."
    )

    def add_arguments(self, parser):
        parser.add_argument("languages", nargs="*", help="languages to report (default: all)")
        parser.add_argument("--stamp", nargs=2, metavar=("LANGUAGE", "FILE"))

    def handle(self, *args, languages, stamp, **options):
        if stamp:
            language, path = stamp
            if language not in i18n.CONTENT_LANGUAGES:
                raise CommandError(
                    f"unknown content language {language!r} ({', '.join(i18n.CONTENT_LANGUAGES)})"
                )
            try:
                entries = i18n.stamp(language, Path(path))
            except (i18n.TranslationError, OSError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Stamped {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} in {path}.")
            return
        complete = set(getattr(settings, "CONTENT_LANGUAGES_COMPLETE", ()))
        for language in languages or i18n.CONTENT_LANGUAGES:
            if language not in i18n.CONTENT_LANGUAGES:
                raise CommandError(f"unknown content language {language!r}")
            count, problems = i18n.status(language)
            for problem in problems:
                self.stdout.write(str(problem))
            states = {
                state: sum(p.state == state for p in problems) for state in ("missing", "outdated", "invalid")
            }
            marked = "complete" if language in complete else "in progress"
            self.stdout.write(
                f"{language} ({marked}): {count - len(problems)} of {count} entries translated and current; "
                f"{states['missing']} missing, {states['outdated']} outdated, {states['invalid']} invalid."
            )
